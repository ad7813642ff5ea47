//! The advisor's findings (X1), which only Global and Privileged Role Administrators may read.

use stint_core::advisor::{self, Finding};
use stint_core::Violation;

use super::View;

impl View<'_> {
    /// Every finding now, most severe first.
    pub fn advisor_findings(&self) -> Result<Vec<Finding>, Violation> {
        self.authority().advisor_reader()?;
        Ok(advisor::findings(&self.state, self.advisor, self.now))
    }
}
