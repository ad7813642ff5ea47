//! The TLS client configuration of LDAP connections (`ldaps://` and StartTLS): rustls with the
//! ring provider chosen explicitly, trusting the system's roots and, if configured, the CA
//! certificates of a PEM file (a directory's private CA).

use std::path::Path;
use std::sync::Arc;

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::CertificateDer;
use rustls::{ClientConfig, RootCertStore};

use crate::TargetError;

pub(crate) fn client_config(ca_file: Option<&Path>) -> Result<Arc<ClientConfig>, TargetError> {
    let mut roots = RootCertStore::empty();
    for certificate in rustls_native_certs::load_native_certs().certs {
        // A system certificate rustls cannot use is skipped, as every rustls client does.
        let _ = roots.add(certificate);
    }
    if let Some(path) = ca_file {
        let unreadable =
            || TargetError::permanent("caCertificate: must be a readable PEM file of certificates");
        let certificates = CertificateDer::pem_file_iter(path)
            .map_err(|_| unreadable())?
            .collect::<Result<Vec<_>, _>>()
            .map_err(|_| unreadable())?;
        if certificates.is_empty() {
            return Err(unreadable());
        }
        for certificate in certificates {
            roots.add(certificate).map_err(|_| {
                TargetError::permanent("caCertificate: holds a certificate that is not usable")
            })?;
        }
    }
    let config =
        ClientConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
            .with_safe_default_protocol_versions()
            .map_err(|_| TargetError::permanent("TLS cannot be set up"))?
            .with_root_certificates(roots)
            .with_no_client_auth();
    Ok(Arc::new(config))
}
