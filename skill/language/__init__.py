"""The skill's voice grammar: the ASK interaction models built from one source, the matcher
that reads typed or transcribed lines with the same grammar (hassil), and the measure of
how much natural speech it understands. Not in the Lambda zip: Alexa matches speech itself."""
