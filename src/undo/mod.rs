//! What a script does, and whether a down script undoes its up: the effects model (what each
//! write creates, deletes, sets, removes or renames, and which entities it reaches) and the
//! comparison that `cymig derive-down --check` prints and the `down-mismatch` rule reports.
//!
//! It sits below the rules and the checker so both can ask it; derivation (above the checker)
//! reads it too, never the other way round.

pub mod compare;
pub mod effects;
mod lookup;
