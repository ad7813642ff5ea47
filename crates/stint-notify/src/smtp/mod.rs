//! E-mail over SMTP: where the server is ([`SmtpSettings`]) and how a mail is sent ([`Mailer`]).

mod connections;
mod mailer;
mod settings;

pub use connections::SMTP_CONNECTIONS;
pub use mailer::{Mail, Mailer};
pub use settings::{SmtpSecurity, SmtpSettings};
