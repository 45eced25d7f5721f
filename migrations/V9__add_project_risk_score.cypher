// Project.riskScore, 0-100 (the guide's complete example): overrun, deadline and budget risk.
// duration.inDays, not duration.between: `.days` of duration.between is only the days
// component after whole months (a deadline a year away would count as "within 30 days").
MATCH (p:Project)
WHERE p.riskScore IS NULL
CALL (p) {
  WITH p,
       CASE
         WHEN p.hourEstimate > 0 AND toFloat(p.hoursWorked) / p.hourEstimate > 0.9 THEN 30
         ELSE 0
       END AS overrunRisk,
       CASE
         WHEN p.deadline < date() AND p.status <> 'completed' THEN 50
         WHEN duration.inDays(date(), p.deadline).days < 30 THEN 20
         ELSE 0
       END AS deadlineRisk,
       CASE
         WHEN p.totalCost > p.expectedValue * 0.9 THEN 20
         ELSE 0
       END AS budgetRisk
  SET p.riskScore = overrunRisk + deadlineRisk + budgetRisk,
      p.riskScoreCalculatedAt = datetime(),
      p.migrationVersions = coalesce(p.migrationVersions, []) + '9'
} IN TRANSACTIONS OF 10000 ROWS;
