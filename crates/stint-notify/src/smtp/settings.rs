//! The SMTP server to send through, read from one URL.

use std::fmt;

use percent_encoding::percent_decode_str;
use url::{Host, Url};

use crate::SettingsError;

/// The accepted forms, for error messages.
const FORMS: &str = "smtp://host:port, smtp://user:password@host:587?tls=starttls or smtps://user:password@host:465";

/// How the connection to the SMTP server is protected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SmtpSecurity {
    /// Plain SMTP, for a relay on the same host or network and for tests: `smtp://host:port`.
    None,
    /// STARTTLS, required (a server that does not offer it is refused):
    /// `smtp://…?tls=starttls`.
    StartTls,
    /// TLS from the first byte ("implicit TLS", SMTPS): `smtps://…`.
    Tls,
}

impl SmtpSecurity {
    fn default_port(self) -> u16 {
        match self {
            SmtpSecurity::None => 25,
            SmtpSecurity::StartTls => 587,
            SmtpSecurity::Tls => 465,
        }
    }
}

/// An SMTP server and how to sign in to it. `Debug` and `Display` never show the password.
#[derive(Clone, PartialEq, Eq)]
pub struct SmtpSettings {
    host: String,
    port: u16,
    security: SmtpSecurity,
    credentials: Option<Credentials>,
}

#[derive(Clone, PartialEq, Eq)]
pub(crate) struct Credentials {
    pub(crate) user: String,
    pub(crate) password: String,
}

impl SmtpSettings {
    /// Reads `smtp://host:port` (plain, port 25 by default), `smtp://user:password@host?tls=starttls`
    /// (STARTTLS required, port 587 by default) or `smtps://user:password@host` (implicit TLS,
    /// port 465 by default). The user and password are percent-decoded; a password is refused
    /// without TLS. Errors say what is wrong without repeating the URL.
    pub fn from_url(text: &str) -> Result<SmtpSettings, SettingsError> {
        let url = Url::parse(text.trim()).map_err(|error| {
            SettingsError::new(format!(
                "the SMTP URL is not a URL ({error}); expected {FORMS}"
            ))
        })?;
        let mut security = match url.scheme() {
            "smtp" => SmtpSecurity::None,
            "smtps" => SmtpSecurity::Tls,
            _ => {
                return Err(SettingsError::new(format!(
                    "the SMTP URL must start with smtp:// or smtps://; expected {FORMS}"
                )))
            }
        };
        for (key, value) in url.query_pairs() {
            match (key.as_ref(), value.as_ref(), security) {
                ("tls", "starttls", SmtpSecurity::None | SmtpSecurity::StartTls) => {
                    security = SmtpSecurity::StartTls
                }
                ("tls", "starttls", SmtpSecurity::Tls) => {
                    return Err(SettingsError::new(
                        "an smtps:// URL is TLS from the start: tls=starttls is for smtp:// URLs",
                    ))
                }
                _ => {
                    return Err(SettingsError::new(
                        "the SMTP URL has an unknown parameter: the only one is tls=starttls",
                    ))
                }
            }
        }
        if !matches!(url.path(), "" | "/") || url.fragment().is_some() {
            return Err(SettingsError::new(format!(
                "the SMTP URL has a path or a fragment after the host; expected {FORMS}"
            )));
        }
        let host = match url.host() {
            Some(Host::Domain(name)) if !name.is_empty() => name.to_owned(),
            Some(Host::Ipv4(address)) => address.to_string(),
            Some(Host::Ipv6(address)) => address.to_string(),
            _ => {
                return Err(SettingsError::new(format!(
                    "the SMTP URL names no host; expected {FORMS}"
                )))
            }
        };
        let port = url.port().unwrap_or(security.default_port());
        if port == 0 {
            return Err(SettingsError::new("the SMTP URL's port is 0"));
        }
        let credentials = credentials(&url)?;
        if credentials.is_some() && security == SmtpSecurity::None {
            return Err(SettingsError::new(
                "the SMTP URL has a password but no TLS, so the password would cross the network in clear: \
                 add ?tls=starttls or use smtps://",
            ));
        }
        Ok(SmtpSettings {
            host,
            port,
            security,
            credentials,
        })
    }

    /// The server's name or address.
    pub fn host(&self) -> &str {
        &self.host
    }

    /// The server's port.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// How the connection is protected.
    pub fn security(&self) -> SmtpSecurity {
        self.security
    }

    /// The user signed in as, if any.
    pub fn user(&self) -> Option<&str> {
        self.credentials.as_ref().map(|c| c.user.as_str())
    }

    pub(crate) fn credentials(&self) -> Option<&Credentials> {
        self.credentials.as_ref()
    }
}

fn credentials(url: &Url) -> Result<Option<Credentials>, SettingsError> {
    let decode = |part: &str, what: &str| {
        percent_decode_str(part)
            .decode_utf8()
            .map(|text| text.into_owned())
            .map_err(|_| {
                SettingsError::new(format!("the SMTP {what} is not UTF-8 once percent-decoded"))
            })
    };
    match (url.username(), url.password()) {
        ("", None) => Ok(None),
        ("", Some(_)) => Err(SettingsError::new(
            "the SMTP URL has a password but no user",
        )),
        (_, None | Some("")) => Err(SettingsError::new(
            "the SMTP URL has a user but no password",
        )),
        (user, Some(password)) => Ok(Some(Credentials {
            user: decode(user, "user")?,
            password: decode(password, "password")?,
        })),
    }
}

/// `smtps://user@host:465`, `smtp://host:25` or `smtp://user@host:587?tls=starttls`: the URL
/// without its password.
impl fmt::Display for SmtpSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let scheme = match self.security {
            SmtpSecurity::Tls => "smtps",
            SmtpSecurity::None | SmtpSecurity::StartTls => "smtp",
        };
        write!(f, "{scheme}://")?;
        if let Some(user) = self.user() {
            write!(f, "{user}@")?;
        }
        if self.host.contains(':') {
            write!(f, "[{}]:{}", self.host, self.port)?;
        } else {
            write!(f, "{}:{}", self.host, self.port)?;
        }
        if self.security == SmtpSecurity::StartTls {
            f.write_str("?tls=starttls")?;
        }
        Ok(())
    }
}

impl fmt::Debug for SmtpSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut debug = f.debug_struct("SmtpSettings");
        debug
            .field("host", &self.host)
            .field("port", &self.port)
            .field("security", &self.security)
            .field("user", &self.user());
        if self.credentials.is_some() {
            debug.field("password", &"<redacted>");
        }
        debug.finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> SmtpSettings {
        SmtpSettings::from_url(text).unwrap_or_else(|e| panic!("{text}: {e}"))
    }

    fn refusal(text: &str) -> String {
        match SmtpSettings::from_url(text) {
            Ok(settings) => panic!("{text} was accepted as {settings}"),
            Err(error) => error.to_string(),
        }
    }

    #[test]
    fn plain_for_a_local_relay() {
        let s = parse("smtp://127.0.0.1:2525");
        assert_eq!(
            (s.host(), s.port(), s.security(), s.user()),
            ("127.0.0.1", 2525, SmtpSecurity::None, None)
        );
        assert_eq!(parse("smtp://relay.internal").port(), 25);
        assert_eq!(parse("smtp://relay.internal/").port(), 25);
        assert_eq!(parse("smtp://[::1]:2525").host(), "::1");
        assert_eq!(parse("smtp://[::1]:2525").to_string(), "smtp://[::1]:2525");
    }

    #[test]
    fn starttls_with_decoded_credentials() {
        let s =
            parse("smtp://pim%40example.com:p%40ss%3Aw%2Ford@mail.example.com:587?tls=starttls");
        assert_eq!(s.security(), SmtpSecurity::StartTls);
        assert_eq!(s.port(), 587);
        assert_eq!(s.user(), Some("pim@example.com"));
        assert_eq!(
            s.credentials().map(|c| c.password.as_str()),
            Some("p@ss:w/ord")
        );
        assert_eq!(
            parse("smtp://u:p@mail.example.com?tls=starttls").port(),
            587
        );
        assert_eq!(
            parse("smtp://u:p@mail.example.com:2587?tls=starttls").port(),
            2587
        );
    }

    #[test]
    fn implicit_tls() {
        let s = parse("smtps://user:secret@mail.example.com");
        assert_eq!((s.security(), s.port()), (SmtpSecurity::Tls, 465));
        assert_eq!(parse("smtps://mail.example.com:2465").port(), 2465);
        assert_eq!(s.to_string(), "smtps://user@mail.example.com:465");
    }

    #[test]
    fn bad_urls_are_refused_with_a_reason() {
        for (url, reason) in [
            ("mail.example.com", "not a URL"),
            ("mail.example.com:25", "must start with smtp://"),
            ("http://mail.example.com", "must start with smtp://"),
            ("smtp://", "no host"),
            ("smtp://host:99999", "not a URL"),
            ("smtp://host:0", "port is 0"),
            ("smtp://host/inbox", "path"),
            ("smtp://host?tls=required", "unknown parameter"),
            ("smtp://u:p@host?tls=starttls&x=1", "unknown parameter"),
            ("smtps://u:p@host?tls=starttls", "TLS from the start"),
            ("smtp://user:secret@host:25", "no TLS"),
            ("smtp://user@host?tls=starttls", "no password"),
            ("smtp://:secret@host?tls=starttls", "no user"),
            ("smtp://u:%FF@host?tls=starttls", "not UTF-8"),
        ] {
            let error = refusal(url);
            assert!(error.contains(reason), "{url}: {error}");
        }
    }

    #[test]
    fn refusals_never_repeat_the_password() {
        for url in [
            "smtp://user:hunter2@host:25",
            "smtp://user:hunter2/x@host?tls=starttls",
            "smtp://user:12?hunter2@host",
            "smtp://user:hunter2@host/path#hunter2",
            "ftp://user:hunter2@host",
            "user:hunter2@host",
            "smtp://user:hunter2@host:nope",
        ] {
            let error = refusal(url);
            assert!(!error.contains("hunter2"), "{url}: {error}");
        }
    }

    #[test]
    fn debug_and_display_hide_the_password() {
        let s = parse("smtp://alice:hunter2@mail.example.com?tls=starttls");
        let debug = format!("{s:?}");
        let display = s.to_string();
        assert!(
            !debug.contains("hunter2") && !display.contains("hunter2"),
            "{debug} / {display}"
        );
        assert!(
            debug.contains("<redacted>") && debug.contains("alice"),
            "{debug}"
        );
        assert_eq!(display, "smtp://alice@mail.example.com:587?tls=starttls");
        assert!(!format!("{:?}", parse("smtp://relay:25")).contains("password"));
    }
}
