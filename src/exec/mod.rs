//! The executor: applies a checked plan to Neo4j over Bolt, with history, locking and recovery.
