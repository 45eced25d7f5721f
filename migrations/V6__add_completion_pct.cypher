// Pre-compute Project.completionPct from the logged hours (pattern 4). toFloat: hours and
// estimates are integers, and integer division would round every ratio down to 0.
MATCH (p:Project)
WHERE p.completionPct IS NULL
CALL (p) {
  OPTIONAL MATCH (p)<-[logged:LOGGED_HOURS]-(:User)
  WITH p, coalesce(sum(logged.hours), 0) AS hoursWorked
  SET p.completionPct = CASE
        WHEN p.hourEstimate > 0 THEN toFloat(hoursWorked) / p.hourEstimate * 100.0
        ELSE 0.0
      END,
      p.migrationVersions = coalesce(p.migrationVersions, []) + '6'
} IN TRANSACTIONS OF 10000 ROWS;
