// Classify ISNCSCI exams with the official algorithm (npm `isncsci`, pinned in package-lock.json)
// and write its answers in this project's formats (the output columns of `python -m caseseries
// isncsci`), so that tests and benchmarks can compare them with caseseries.instruments.isncsci.
//
//   node classify.js NODE_MODULES_DIR < exams.csv > classified.json
//
// One batch in one process. Input: the contract columns of isncsci.csv as plain CSV (a header,
// then one exam per line; cell values contain no commas or quotes), cells as written (optional
// `{side}_lowest_nonkey_muscle`, empty = none). Output: {"columns": [...], "data":
// [[...], ...]}, one row per exam in the same order, every value a string: levels stripped of the
// algorithm's `*` ("variable") marks, lists deduplicated and ordered as the project orders them
// (levels rostral to caudal, AIS A to E, yes before no, NA last), totals empty when not
// determinable (ND). On exit it prints to stderr {"exams": n, "algorithm_seconds": s}: the time
// spent inside the algorithm alone.
"use strict";

const path = require("path");
const { ISNCSCI } = require(path.join(process.argv[2], "isncsci"));

const SIDES = ["right", "left"];
const MOTOR = ["C5", "C6", "C7", "C8", "T1", "L2", "L3", "L4", "L5", "S1"];
const SENSORY = ["C2", "C3", "C4", "C5", "C6", "C7", "C8", "T1", "T2", "T3", "T4", "T5", "T6", "T7",
  "T8", "T9", "T10", "T11", "T12", "L1", "L2", "L3", "L4", "L5", "S1", "S2", "S3", "S4_5"];
const LEVELS = ["C1", ...SENSORY.slice(0, -1), "INT"];
const ORDER = { ais: ["A", "B", "C", "D", "E"], complete: ["yes", "no"], level: LEVELS, zpp: [...LEVELS, "NA"] };

function exam(row) {
  const side = (s) => {
    const out = { motor: {}, lightTouch: {}, pinPrick: {} };
    for (const lv of MOTOR) out.motor[lv] = row[`${s}_motor_${lv}`];
    for (const lv of SENSORY) {
      out.lightTouch[lv] = row[`${s}_lt_${lv}`];
      out.pinPrick[lv] = row[`${s}_pp_${lv}`];
    }
    const nonKey = row[`${s}_lowest_nonkey_muscle`];
    if (nonKey) out.lowestNonKeyMuscleWithMotorFunction = nonKey;  // absent = none given
    return out;
  };
  return { right: side("right"), left: side("left"),
    voluntaryAnalContraction: row.vac, deepAnalPressure: row.dap };
}

// "C5*,C6" -> "C5,C6" in the project's order; rename maps the algorithm's words (C/I).
function list(text, order, rename = {}) {
  const values = new Set(text.split(",").map((v) => v.replace(/\*/g, "")).map((v) => rename[v] || v));
  for (const v of values) if (!order.includes(v)) throw new Error(`unexpected value ${v} in ${text}`);
  return order.filter((v) => values.has(v)).join(",");
}

const total = (value) => (value === "ND" ? "" : value.replace(/\*/g, ""));

function project(result) {
  const c = result.classification;
  const t = result.totals;
  const uems = total(t.upperExtremity);
  const lems = total(t.lowerExtremity);
  return {
    right_motor_level: list(c.neurologicalLevels.motorRight, ORDER.level),
    left_motor_level: list(c.neurologicalLevels.motorLeft, ORDER.level),
    right_sensory_level: list(c.neurologicalLevels.sensoryRight, ORDER.level),
    left_sensory_level: list(c.neurologicalLevels.sensoryLeft, ORDER.level),
    neurological_level: list(c.neurologicalLevelOfInjury, ORDER.level),
    ais: list(c.ASIAImpairmentScale, ORDER.ais),
    complete: list(c.injuryComplete, ORDER.complete, { C: "yes", I: "no" }),
    uems,
    lems,
    motor_total: uems === "" || lems === "" ? "" : String(Number(uems) + Number(lems)),
    lt_total: total(t.lightTouch),
    pp_total: total(t.pinPrick),
    right_motor_zpp: list(c.zoneOfPartialPreservations.motorRight, ORDER.zpp),
    left_motor_zpp: list(c.zoneOfPartialPreservations.motorLeft, ORDER.zpp),
    right_sensory_zpp: list(c.zoneOfPartialPreservations.sensoryRight, ORDER.zpp),
    left_sensory_zpp: list(c.zoneOfPartialPreservations.sensoryLeft, ORDER.zpp),
  };
}

const [header, ...lines] = require("fs").readFileSync(0, "utf8").split("\n").filter((line) => line);
const names = header.split(",");
const exams = lines.map((line) => {
  const values = line.split(",");
  if (values.length !== names.length) throw new Error(`expected ${names.length} values: ${line}`);
  const row = {};
  names.forEach((name, i) => { row[name] = values[i]; });
  return exam(row);
});
const start = process.hrtime.bigint();
const results = exams.map((e) => new ISNCSCI(e));
const seconds = Number(process.hrtime.bigint() - start) / 1e9;
const rows = results.map(project);
const columns = rows.length ? Object.keys(rows[0]) : [];
process.stdout.write(JSON.stringify({ columns, data: rows.map((r) => columns.map((c) => r[c])) }));
process.stderr.write(JSON.stringify({ exams: results.length, algorithm_seconds: seconds }) + "\n");
