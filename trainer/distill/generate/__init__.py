"""Generation from a black-box teacher: an OpenAI-compatible chat-completions endpoint (docs/generation.md).

The job kind "answer" (answer.py) sends each user turn of each row through a prompt template (template.py) to
the endpoint (teacher.py, with the retries and the pause of retry.py), one row's turns in order, several rows at
once. Every answer is appended to a journal in the run folder as it arrives (journal.py) and stored in a response
cache shared by all jobs (cache.py); answers that are empty, cut off or refusals are kept aside (screen.py);
meter.py turns usage into progress events.
"""
