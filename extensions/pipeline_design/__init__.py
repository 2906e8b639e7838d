"""The design engine of pipeline-architect: questionnaire answers -> a sized, justified design.

Plain Python with no copier import, so it is unit-tested on its own; the copier
glue lives in ../copier_glue.py.
"""

from .answers import QUESTION_ORDER, RECOMMENDED_KEYS, Answers
from .design import Design, DesignError, Stack, build_design
from .recommend import recommend
from .validation import Problem, applies, check, problems

__all__ = [
    "QUESTION_ORDER",
    "RECOMMENDED_KEYS",
    "Answers",
    "Design",
    "DesignError",
    "Problem",
    "Stack",
    "applies",
    "build_design",
    "check",
    "problems",
    "recommend",
]
