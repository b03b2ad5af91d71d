//! [`classify`]: what kind of transport failure a `reqwest` error is, by type, for the retry
//! decision and for Test Connection's diagnosis.

use crate::error::TransportKind;

/// Sorts a transport failure into a kind, looking through the whole chain (a TLS failure
/// arrives as a connect error wrapping an I/O error wrapping the rustls error).
pub(super) fn classify(error: &reqwest::Error) -> TransportKind {
    if chain_has_tls_error(error) {
        return TransportKind::Tls;
    }
    if error.is_timeout() {
        return TransportKind::Timeout;
    }
    if error.is_connect() {
        return TransportKind::Connect;
    }
    if error.is_body() || error.is_decode() {
        return TransportKind::Body;
    }
    // A connection closed before or while the answer came (hyper reports these as request
    // errors): worth a retry like a broken body.
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        if let Some(io) = cause.downcast_ref::<std::io::Error>()
            && matches!(
                io.kind(),
                std::io::ErrorKind::ConnectionReset
                    | std::io::ErrorKind::ConnectionAborted
                    | std::io::ErrorKind::UnexpectedEof
                    | std::io::ErrorKind::BrokenPipe
            )
        {
            return TransportKind::Body;
        }
        if let Some(hyper) = cause.downcast_ref::<hyper::Error>()
            && (hyper.is_incomplete_message() || hyper.is_closed())
        {
            return TransportKind::Body;
        }
        source = cause.source();
    }
    TransportKind::Other
}

fn chain_has_tls_error(error: &reqwest::Error) -> bool {
    crate::diagnosis::rustls_error_in(error).is_some()
}
