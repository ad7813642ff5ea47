//! The JSON forms of Stint's objects, exactly as Microsoft Graph writes them.

pub mod approval;
pub mod directory;
pub mod pim;
pub mod policy;
pub mod role;
