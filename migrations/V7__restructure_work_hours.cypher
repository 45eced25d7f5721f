// (:User)-[:LOGGED_HOURS]->(:Project) becomes (:User)-[:LOGGED]->(:WorkHour)-[:FOR]->(:Project)
// (pattern 5). Each logged entry becomes its own WorkHour: CREATE, not MERGE, because a user
// logs many entries on one project. Each batch creates the new nodes and deletes the old
// relationships together, so a re-run after a failure only picks up what is left.
MATCH (u:User)-[logged:LOGGED_HOURS]->(p:Project)
CALL (u, logged, p) {
  CREATE (u)-[:LOGGED]->(wh:WorkHour {
    guid: randomUUID(),
    hours: logged.hours,
    date: logged.date,
    billable: logged.billable,
    userGuid: u.guid,
    projectGuid: p.guid,
    migrationVersions: ['7']
  })-[:FOR]->(p)
  DELETE logged
} IN TRANSACTIONS OF 10000 ROWS;
