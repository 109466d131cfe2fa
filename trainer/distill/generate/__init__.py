"""Generation from a black-box teacher: an OpenAI-compatible chat-completions endpoint (docs/generation.md).

The job kind "answer" (answer.py) sends each user turn of each row through a prompt template (template.py) to
the endpoint, one row's turns in order, several rows at once; "expand" (expand.py) has the teacher write new
instructions per task type and answers them as an answer job does; "rewrite" (rewrite.py) has the teacher rewrite
each answer with its row's task type's template, its rows run and written as an answer job's. All of them ask
through session.py, which asks each request of the teacher (teacher.py, with the retries and the pause of
retry.py), appends every answer to a journal in the run folder as it arrives (journal.py) and stores it in a
response cache shared by all jobs (cache.py); answers that are empty, cut off or refusals are kept aside
(screen.py); meter.py turns usage into progress events.
"""
