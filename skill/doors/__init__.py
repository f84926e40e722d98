"""The ways in: the Lambda function, the web service and its server, the command line,
and `wiring`, the one place where each of them gets its store and its skill."""
