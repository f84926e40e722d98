"""Development tools that never ship in the Lambda zip: the chat console, request
envelopes for tests and benchmarks, and the packaging of the zip and the skill package."""
