"""Worked examples of the 2019 ISNCSCI with their expected classification.

Source: the InStep (ASIA International Standards Training e-Learning Program) Module 5 assessment
and sample cases, as transcribed with expected results in the Praxis Spinal Cord Institute's
open-source ISNCSCI algorithm test suite (github.com/praxis-isncsci/algorithm, specs/2019.json,
cases 1-7). Transcribed by hand into a compact form: "2x7" means seven cells of "2"; dermatomes
run C2..S4_5 (28), key muscles C5..T1, L2..S1 (10). Non-key muscle fields are absent (all "0").
"""

CASES = [
    {
        "name": "InStep Module 5, Assessment Case A",
        "vac": "No", "dap": "No",
        "right_motor": "5 3 2 2 1 0x5", "left_motor": "4 4 4 0 0 0x5",
        "right_lt": "2x6 1 1 0 0 1 1 0x16", "right_pp": "2x5 1 0x22",
        "left_lt": "2x5 0x23", "left_pp": "2x5 0x23",
        "expected": {"right_sensory_level": "C6", "left_sensory_level": "C6", "right_motor_level": "C6",
                     "left_motor_level": "C5", "neurological_level": "C5", "right_sensory_zpp": "T5",
                     "left_sensory_zpp": "C6", "right_motor_zpp": "T1", "left_motor_zpp": "C7",
                     "ais": "A", "complete": "yes", "uems": 25, "lems": 0, "lt_total": 26, "pp_total": 21},
    },
    {
        "name": "InStep Module 5, Assessment Case B",
        "vac": "No", "dap": "No",
        "right_motor": "5x5 0x5", "left_motor": "5x5 0x5",
        "right_lt": "2x19 0x9", "right_pp": "2x19 0x9",
        "left_lt": "2x18 1 0x9", "left_pp": "2x18 0x10",
        "expected": {"right_sensory_level": "T12", "left_sensory_level": "T11", "right_motor_level": "T12",
                     "left_motor_level": "T11", "neurological_level": "T11", "right_sensory_zpp": "T12",
                     "left_sensory_zpp": "T12", "right_motor_zpp": "T12", "left_motor_zpp": "T11",
                     "ais": "A", "complete": "yes", "uems": 50, "lems": 0, "lt_total": 75, "pp_total": 74},
    },
    {
        "name": "InStep Module 5, Assessment Case C",
        "vac": "No", "dap": "No",
        "right_motor": "5x5 3 0x4", "left_motor": "5x5 4 0x4",
        "right_lt": "2x19 1 1 1 0x4 1 1", "right_pp": "2x19 1 1 0 0x4 1 1",
        "left_lt": "2x19 2 1 1 0x4 1 1", "left_pp": "2x19 2 1 1 0x4 1 2",
        "expected": {"right_sensory_level": "T12", "left_sensory_level": "L1", "right_motor_level": "T12",
                     "left_motor_level": "L2", "neurological_level": "T12", "right_sensory_zpp": "NA",
                     "left_sensory_zpp": "NA", "right_motor_zpp": "L2", "left_motor_zpp": "L2",
                     "ais": "B", "complete": "no", "uems": 50, "lems": 7, "lt_total": 87, "pp_total": 87},
    },
    {
        "name": "InStep Module 5, Assessment Case D",
        "vac": "Yes", "dap": "Yes",
        "right_motor": "4 1 2 1 1 2 3 1 1 3", "left_motor": "4 3 1 1 1 4 3 4 4 4",
        # C2-C4 | C5 C6 C7 C8 T1 | T2..T12 | L1..S3 | S4_5
        "right_lt": "2x3 0x5 1x11 0x8 0", "right_pp": "2x3 0x5 2 0x10 0x8 0",
        "left_lt": "2x3 1 1 0 0 0 0 1x9 0 0x7 1 1", "left_pp": "2x3 0x5 0 0 0 0 1 1 1 1 0 1 1 0x8 0",
        "expected": {"right_sensory_level": "C4", "left_sensory_level": "C4", "right_motor_level": "C5",
                     "left_motor_level": "C5", "neurological_level": "C4", "right_sensory_zpp": "NA",
                     "left_sensory_zpp": "NA", "right_motor_zpp": "NA", "left_motor_zpp": "NA",
                     "ais": "D", "complete": "no", "uems": 19, "lems": 29, "lt_total": 36, "pp_total": 20},
    },
    {
        "name": "InStep Module 5, Assessment Case E",
        "vac": "No", "dap": "Yes",
        "right_motor": "5x5 1 0x4", "left_motor": "5x5 3 1 0x3",
        "right_lt": "2x19 1 1 0x7", "right_pp": "2x19 1 1 0x7",
        "left_lt": "2x19 1 1 0x7", "left_pp": "2x19 1 1 0x7",
        "expected": {"right_sensory_level": "T12", "left_sensory_level": "T12", "right_motor_level": "T12",
                     "left_motor_level": "T12", "neurological_level": "T12", "right_sensory_zpp": "NA",
                     "left_sensory_zpp": "NA", "right_motor_zpp": "L2", "left_motor_zpp": "L3",
                     "ais": "B", "complete": "no", "uems": 50, "lems": 5, "lt_total": 80, "pp_total": 80},
    },
    {
        "name": "InStep Module 5, Sample Case 1",
        "vac": "No", "dap": "No",
        "right_motor": "5 4 1 0 0 0x5", "left_motor": "5 4 1 0 0 0x5",
        "right_lt": "2x5 0x23", "right_pp": "2x5 0x23", "left_lt": "2x5 0x23", "left_pp": "2x5 0x23",
        "expected": {"right_sensory_level": "C6", "left_sensory_level": "C6", "right_motor_level": "C6",
                     "left_motor_level": "C6", "neurological_level": "C6", "right_sensory_zpp": "C6",
                     "left_sensory_zpp": "C6", "right_motor_zpp": "C7", "left_motor_zpp": "C7",
                     "ais": "A", "complete": "yes", "uems": 20, "lems": 0, "lt_total": 20, "pp_total": 20},
    },
    {
        "name": "InStep Module 5, Sample Case 2",
        "vac": "No", "dap": "No",
        "right_motor": "3 1 0 0 0 0x5", "left_motor": "4 2 0 0 0 0x5",
        "right_lt": "2 2 1 1 0x24", "right_pp": "2 2 1 1 0x24",
        "left_lt": "2 2 2 1 0x24", "left_pp": "2 2 2 1 0x24",
        "expected": {"right_sensory_level": "C3", "left_sensory_level": "C4", "right_motor_level": "C3",
                     "left_motor_level": "C5", "neurological_level": "C3", "right_sensory_zpp": "C5",
                     "left_sensory_zpp": "C5", "right_motor_zpp": "C6", "left_motor_zpp": "C6",
                     "ais": "A", "complete": "yes", "uems": 10, "lems": 0, "lt_total": 13, "pp_total": 13},
    },
]


def expand(compact: str) -> list[str]:
    """'2x3 1 0x2' -> ['2', '2', '2', '1', '0', '0']."""
    cells = []
    for token in compact.split():
        value, _, count = token.partition("x")
        cells += [value] * int(count or 1)
    return cells
