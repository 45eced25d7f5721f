// Down of V7: one LOGGED_HOURS relationship per WorkHour (CREATE: the guide's MERGE collapsed
// several entries of one user on one project into one), then the WorkHour goes.
MATCH (u:User)-[:LOGGED]->(wh:WorkHour)-[:FOR]->(p:Project)
WHERE '7' IN wh.migrationVersions
CALL (u, wh, p) {
  CREATE (u)-[logged:LOGGED_HOURS]->(p)
  SET logged.hours = wh.hours,
      logged.date = wh.date,
      logged.billable = wh.billable
  DETACH DELETE wh
} IN TRANSACTIONS OF 10000 ROWS;
