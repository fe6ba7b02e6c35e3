//! `authentication: {username, password}` of `restapi` and `ctl`.

use super::section::Section;
use pg_ha_core::ConfigError;
use std::fmt;

/// Basic-auth credentials.
#[derive(Clone, PartialEq, Eq)]
pub struct Credentials {
    /// The user name.
    pub username: String,
    /// The password.
    pub password: String,
}

impl fmt::Debug for Credentials {
    /// Hides the password.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credentials")
            .field("username", &self.username)
            .field("password", &"***")
            .finish()
    }
}

impl Credentials {
    /// Reads `<section>.authentication`; both keys are required when the mapping is present.
    pub(crate) fn read(section: &Section<'_>) -> Result<Option<Credentials>, ConfigError> {
        if section.get("authentication").is_none() {
            return Ok(None);
        }
        let auth = section.sub("authentication")?;
        let form = "the basic-auth user name and password";
        Ok(Some(Credentials {
            username: auth.required_string("username", form)?,
            password: auth.required_string("password", form)?,
        }))
    }
}
