//! The JSON forms of Stint's objects, exactly as Microsoft Graph writes them.

pub mod directory;
pub mod pim;
pub mod approval;
