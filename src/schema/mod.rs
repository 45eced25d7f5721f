//! The schema model: replaying migrations in order gives the catalog of constraints and indexes
//! after each migration, and what each migration does to labels, types and properties.
