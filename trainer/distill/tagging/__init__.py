"""Task-type tagging with TAPIR's 32-label taxonomy. `run_job` runs job kind "tag"; `tag_texts` tags strings."""

from distill.tagging.job import run_job
from distill.tagging.taggers import load_tagger, tag_texts

__all__ = ["run_job", "load_tagger", "tag_texts"]
