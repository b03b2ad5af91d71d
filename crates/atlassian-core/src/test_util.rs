//! What the product crates' tests need: clients for loopback servers with short retry delays,
//! the recorded fixtures, and a private certificate authority with a TLS terminator to put HTTPS
//! in front of any loopback server (feature `test-tls`, which `dc-sim` uses); and the replay
//! server and schema checks (feature `test-util`, for tests only: wiremock and jsonschema are
//! not built for the demo).

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair, KeyUsagePurpose};
use tokio::net::{TcpListener, TcpStream};

use crate::client::{Client, ClientConfig};
use crate::credential::Token;
use crate::retry::RetryPolicy;
use crate::target::BaseUrl;

/// A retry policy with the production budget but millisecond delays, so tests of retries run
/// fast.
pub fn fast_retry() -> RetryPolicy {
    RetryPolicy {
        base_delay: Duration::from_millis(5),
        max_delay: Duration::from_secs(2),
        ..RetryPolicy::default()
    }
}

/// A client configuration for a loopback server, with fast retries and a 10 s timeout.
pub fn test_config(base_url: &str, token: Option<&str>) -> ClientConfig {
    let mut config = ClientConfig::new(BaseUrl::parse(base_url).expect("a valid test base URL"));
    config.token = token.map(|t| Token::new(t).expect("a valid test token"));
    config.retry = fast_retry();
    config.timeout = Duration::from_secs(10);
    config
}

/// A client for a loopback server (see [`test_config`]).
pub fn test_client(base_url: &str, token: Option<&str>) -> Client {
    Client::new(test_config(base_url, token)).expect("a test client")
}

/// The workspace's `fixtures/` folder.
pub fn fixtures_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../fixtures")
        .canonicalize()
        .expect("the workspace has a fixtures/ folder")
}

/// The text of a fixture file, by its path below `fixtures/`.
pub fn read_fixture(relative: &str) -> String {
    let path = fixtures_dir().join(relative);
    std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read fixture {}: {e}", path.display()))
}

/// A certificate authority made on the fly, to issue server certificates for loopback tests.
pub struct TestCa {
    issuer: Issuer<'static, KeyPair>,
    ca_pem: String,
}

impl std::fmt::Debug for TestCa {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TestCa")
    }
}

/// A server certificate and its key, in PEM.
#[derive(Clone, Debug)]
pub struct ServerCert {
    /// The certificate, followed by the chain the server sends with it (if any).
    pub cert_pem: String,
    /// The private key.
    pub key_pem: String,
}

impl TestCa {
    /// A new CA named `name`.
    pub fn new(name: &str) -> Self {
        let mut params = CertificateParams::new(Vec::<String>::new()).expect("CA params");
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params.distinguished_name.push(DnType::CommonName, name);
        params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
        let key = KeyPair::generate().expect("CA key");
        let cert = params.self_signed(&key).expect("CA certificate");
        Self {
            ca_pem: cert.pem(),
            issuer: Issuer::new(params, key),
        }
    }

    /// The CA certificate in PEM (what `--ca-cert` takes).
    pub fn ca_pem(&self) -> &str {
        &self.ca_pem
    }

    /// Writes the CA certificate to `dir/ca.pem` and returns the path.
    pub fn write_ca_pem(&self, dir: &Path) -> PathBuf {
        let path = dir.join("ca.pem");
        std::fs::write(&path, &self.ca_pem).expect("write the CA certificate");
        path
    }

    /// A server certificate for `names` (DNS names or IP addresses).
    pub fn issue(&self, names: &[&str]) -> ServerCert {
        sign_leaf(leaf_params(names), &self.issuer)
    }

    /// A server certificate for `names`, valid from `not_before` until `not_after` (to the
    /// second).
    pub fn issue_valid(
        &self,
        names: &[&str],
        not_before: SystemTime,
        not_after: SystemTime,
    ) -> ServerCert {
        // rcgen's time type, reached from the epoch (this crate does not name the `time` crate).
        let since_epoch = |t: SystemTime| {
            t.duration_since(SystemTime::UNIX_EPOCH)
                .expect("a time after 1970")
        };
        let mut params = leaf_params(names);
        params.not_before = rcgen::date_time_ymd(1970, 1, 1) + since_epoch(not_before);
        params.not_after = rcgen::date_time_ymd(1970, 1, 1) + since_epoch(not_after);
        sign_leaf(params, &self.issuer)
    }

    /// A server certificate for `names` issued by an intermediate CA that this CA issued: first
    /// the leaf alone (what a server that omits its intermediate sends), then the leaf followed
    /// by the intermediate (the full chain).
    pub fn issue_via_intermediate(&self, names: &[&str]) -> (ServerCert, ServerCert) {
        let mut params = CertificateParams::new(Vec::<String>::new()).expect("CA params");
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params
            .distinguished_name
            .push(DnType::CommonName, "atlassian-dc test intermediate");
        params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
        let key = KeyPair::generate().expect("intermediate key");
        let intermediate = params
            .signed_by(&key, &self.issuer)
            .expect("intermediate certificate");
        let leaf = sign_leaf(leaf_params(names), &Issuer::new(params, key));
        let full_chain = ServerCert {
            cert_pem: format!("{}{}", leaf.cert_pem, intermediate.pem()),
            key_pem: leaf.key_pem.clone(),
        };
        (leaf, full_chain)
    }
}

/// A server certificate's parameters: `names` as subject alternative names, a fixed common name.
fn leaf_params(names: &[&str]) -> CertificateParams {
    let names: Vec<String> = names.iter().map(|n| (*n).to_owned()).collect();
    let mut params = CertificateParams::new(names).expect("server params");
    params
        .distinguished_name
        .push(DnType::CommonName, "atlassian-dc test server");
    params
}

fn sign_leaf(params: CertificateParams, issuer: &Issuer<'_, KeyPair>) -> ServerCert {
    let key = KeyPair::generate().expect("server key");
    let cert = params.signed_by(&key, issuer).expect("server certificate");
    ServerCert {
        cert_pem: cert.pem(),
        key_pem: key.serialize_pem(),
    }
}

/// A server certificate that lies, each in its own way, for the tests of what the client says
/// about it. Issued by a [`TestCa`] the client trusts (except [`SelfSigned`](Self::SelfSigned)),
/// so that the one lie is the only thing wrong.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BadCert {
    /// Issued for `jira.example.com` only, whatever host the client asks for.
    NameMismatch,
    /// Valid from two years ago until a year ago.
    Expired,
    /// Valid from a year from now until two years from now.
    NotYetValid,
    /// The leaf signs itself: no CA issued it.
    SelfSigned,
    /// Issued by an intermediate CA (itself issued by the trusted root) that the server does
    /// not send: the server sends its leaf alone.
    MissingIntermediate,
}

impl BadCert {
    /// Every kind, in order.
    pub const ALL: [Self; 5] = [
        Self::NameMismatch,
        Self::Expired,
        Self::NotYetValid,
        Self::SelfSigned,
        Self::MissingIntermediate,
    ];

    /// The only name a [`BadCert::NameMismatch`] certificate has.
    pub const OTHER_NAME: &'static str = "jira.example.com";

    /// The certificate, for `names` (ignored by [`BadCert::NameMismatch`]), issued under `ca`.
    pub fn issue(self, ca: &TestCa, names: &[&str]) -> ServerCert {
        const YEAR: Duration = Duration::from_secs(365 * 24 * 3600);
        let now = SystemTime::now();
        match self {
            Self::NameMismatch => ca.issue(&[Self::OTHER_NAME]),
            Self::Expired => ca.issue_valid(names, now - 2 * YEAR, now - YEAR),
            Self::NotYetValid => ca.issue_valid(names, now + YEAR, now + 2 * YEAR),
            Self::SelfSigned => {
                let params = leaf_params(names);
                let key = KeyPair::generate().expect("server key");
                let cert = params.self_signed(&key).expect("self-signed certificate");
                ServerCert {
                    cert_pem: cert.pem(),
                    key_pem: key.serialize_pem(),
                }
            }
            Self::MissingIntermediate => ca.issue_via_intermediate(names).0,
        }
    }
}

/// A rustls server configuration for `cert`, with its crypto provider given explicitly (two
/// providers in one test binary make the default builder panic).
pub fn server_tls_config(cert: &ServerCert) -> Arc<tokio_rustls::rustls::ServerConfig> {
    use tokio_rustls::rustls;
    use tokio_rustls::rustls::pki_types::pem::PemObject;
    use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer};

    // Every certificate in the PEM, in order: the leaf, then any chain the server sends.
    let certs: Vec<CertificateDer<'static>> =
        CertificateDer::pem_slice_iter(cert.cert_pem.as_bytes())
            .collect::<Result<_, _>>()
            .expect("cert PEM");
    assert!(!certs.is_empty(), "no certificate in the PEM");
    let key = PrivateKeyDer::from_pem_slice(cert.key_pem.as_bytes()).expect("key PEM");
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .expect("protocol versions")
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .expect("server certificate and key");
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Arc::new(config)
}

/// Terminates TLS on a new loopback port with `cert` and forwards the plain bytes to
/// `backend` (a wiremock server, say). Runs until the runtime stops.
pub async fn tls_terminator(cert: &ServerCert, backend: SocketAddr) -> SocketAddr {
    let acceptor = tokio_rustls::TlsAcceptor::from(server_tls_config(cert));
    let listener = TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind loopback");
    let address = listener.local_addr().expect("local address");
    tokio::spawn(async move {
        loop {
            let Ok((client, _)) = listener.accept().await else {
                return;
            };
            let acceptor = acceptor.clone();
            tokio::spawn(async move {
                // A failed handshake is what some tests want; just drop the connection.
                let Ok(mut tls) = acceptor.accept(client).await else {
                    return;
                };
                let Ok(mut upstream) = TcpStream::connect(backend).await else {
                    return;
                };
                let _ = tokio::io::copy_bidirectional(&mut tls, &mut upstream).await;
            });
        }
    });
    address
}

/// Reads a recorded exchange set (a JSON array of [`Exchange`](crate::record::Exchange)).
pub fn read_exchanges(path: &Path) -> Vec<crate::record::Exchange> {
    let text = std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[cfg(feature = "test-util")]
/// A loopback server that answers from recorded exchanges, matched on method, path and query.
/// A request nothing was recorded for gets a 599 and is remembered in
/// [`ReplayServer::unmatched`], so a test can insist that a replay asked nothing new.
pub struct ReplayServer {
    server: wiremock::MockServer,
    base_url: String,
    unmatched: std::sync::Arc<std::sync::Mutex<Vec<String>>>,
}

#[cfg(feature = "test-util")]
impl std::fmt::Debug for ReplayServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ReplayServer")
            .field("base_url", &self.base_url)
            .finish()
    }
}

#[cfg(feature = "test-util")]
struct Replayer {
    context_path: String,
    answers: std::collections::HashMap<(String, String, String), crate::record::Exchange>,
    unmatched: std::sync::Arc<std::sync::Mutex<Vec<String>>>,
}

#[cfg(feature = "test-util")]
impl wiremock::Respond for Replayer {
    fn respond(&self, request: &wiremock::Request) -> wiremock::ResponseTemplate {
        let path = request.url.path();
        let below = path
            .strip_prefix(self.context_path.as_str())
            .unwrap_or(path);
        let key = match request.url.query() {
            Some(q) => format!("{below}?{q}"),
            None => below.to_owned(),
        };
        let body = serde_json::from_slice::<serde_json::Value>(&request.body).ok();
        let request_id = body.as_ref().and_then(|b| b.get("id")).cloned();
        let body_key = body_key(body.as_ref());
        match self
            .answers
            .get(&(request.method.to_string(), key.clone(), body_key))
        {
            Some(exchange) => {
                let mut answer = exchange.body.clone();
                // A JSON-RPC answer carries the id of the call it answers.
                if let (Some(id), crate::record::Body::Json(serde_json::Value::Object(map))) =
                    (request_id, &mut answer)
                    && map.contains_key("id")
                {
                    map.insert("id".to_owned(), id);
                }
                let mut template = wiremock::ResponseTemplate::new(exchange.status);
                for (name, value) in &exchange.headers {
                    template = template.insert_header(name.as_str(), value.as_str());
                }
                template.set_body_raw(
                    answer.to_bytes(),
                    exchange
                        .headers
                        .get("content-type")
                        .map_or("application/json", String::as_str),
                )
            }
            None => {
                self.unmatched
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .push(format!("{} {key}", request.method));
                wiremock::ResponseTemplate::new(599)
            }
        }
    }
}

#[cfg(feature = "test-util")]
/// A request body as a matching key: canonical JSON without a JSON-RPC `id` (ids are a
/// counter, so they differ from run to run).
fn body_key(body: Option<&serde_json::Value>) -> String {
    match body {
        Some(serde_json::Value::Object(map)) => {
            let mut map = map.clone();
            map.remove("id");
            serde_json::Value::Object(map).to_string()
        }
        Some(other) => other.to_string(),
        None => String::new(),
    }
}

#[cfg(feature = "test-util")]
impl ReplayServer {
    /// Serves `exchanges` below `context_path` (e.g. `/jira`).
    pub async fn start(exchanges: Vec<crate::record::Exchange>, context_path: &str) -> Self {
        let server = wiremock::MockServer::start().await;
        let unmatched = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let answers = exchanges
            .into_iter()
            .map(|e| {
                let body = body_key(e.request_body.as_ref());
                ((e.method.clone(), e.path.clone(), body), e)
            })
            .collect();
        wiremock::Mock::given(wiremock::matchers::any())
            .respond_with(Replayer {
                context_path: context_path.to_owned(),
                answers,
                unmatched: unmatched.clone(),
            })
            .mount(&server)
            .await;
        let base_url = format!("{}{context_path}", server.uri());
        Self {
            server,
            base_url,
            unmatched,
        }
    }

    /// The base URL to scan.
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// Requests that had no recorded answer.
    pub fn unmatched(&self) -> Vec<String> {
        self.unmatched
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// The underlying mock server.
    pub fn server(&self) -> &wiremock::MockServer {
        &self.server
    }
}

#[cfg(feature = "test-util")]
/// Replays every recorded fixture set under `fixtures/<product_dir>/<version>/exchanges.json`
/// through `scan`, in version-name order, and returns each version's inventory. Panics when a
/// scan fails or asks for anything not recorded: a fixture set must hold every request the scan
/// makes.
pub async fn replay_fixture_sets<F, Fut>(
    product_dir: &str,
    context_path: &str,
    scan: F,
) -> Vec<(String, crate::Inventory)>
where
    F: Fn(Client) -> Fut,
    Fut: std::future::Future<Output = Result<crate::Inventory, crate::Error>>,
{
    let root = fixtures_dir().join(product_dir);
    let mut versions: Vec<String> = std::fs::read_dir(&root)
        .unwrap_or_else(|e| panic!("{}: {e}", root.display()))
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .collect();
    versions.sort();
    let mut inventories = Vec::new();
    for version in versions {
        let exchanges = read_exchanges(&root.join(&version).join("exchanges.json"));
        let replay = ReplayServer::start(exchanges, context_path).await;
        let client = test_client(replay.base_url(), Some("replayed-token"));
        let inventory = scan(client)
            .await
            .unwrap_or_else(|e| panic!("{product_dir} {version}: {}", crate::error_chain(&e)));
        assert!(
            replay.unmatched().is_empty(),
            "{product_dir} {version}: requests with no recorded answer: {:?}",
            replay.unmatched()
        );
        inventories.push((version, inventory));
    }
    inventories
}

#[cfg(feature = "test-util")]
/// Checks replayed recordings against the simulator's versions (`full_versions`, such as
/// `9.12.15`): each has its recording (named `major.minor`) and proves every collection of its
/// small instance; recordings of real servers may sit beside them, complete or not. Returns,
/// per recording, what its inventory tells a reader (system, counts, coverage, warnings) — what
/// a snapshot should pin, the records being the ground-truth tests' business.
pub fn recording_summaries(
    inventories: Vec<(String, crate::Inventory)>,
    full_versions: &[&str],
) -> Vec<(String, serde_json::Value)> {
    let simulated: Vec<&str> = full_versions
        .iter()
        .map(|v| {
            v.rsplit_once('.')
                .map_or(*v, |(major_minor, _)| major_minor)
        })
        .collect();
    for version in &simulated {
        assert!(
            inventories.iter().any(|(v, _)| v == version),
            "no recording of the simulated {version}: cargo xtask snapshot --from-sim"
        );
    }
    inventories
        .into_iter()
        .map(|(version, inventory)| {
            if simulated.contains(&version.as_str()) {
                assert!(inventory.coverage.iter().all(|c| c.complete), "{version}");
            }
            let summary = serde_json::json!({
                "system": {"product": inventory.system.product,
                           "version": inventory.system.version,
                           "title": inventory.system.title},
                "scanned_as": inventory.scanned_as,
                "counts": inventory.counts(),
                "coverage": inventory.coverage,
                "warnings": inventory.warnings,
            });
            (version, summary)
        })
        .collect()
}

/// Compares two inventories record by record (accounts, groups, memberships, resources,
/// grants, system, scanned_as), naming the first differences.
pub fn assert_same_records(scan: &crate::Inventory, truth: &crate::Inventory) {
    fn diff<T: PartialEq + std::fmt::Debug>(what: &str, got: &[T], want: &[T]) {
        if got == want {
            return;
        }
        let missing: Vec<&T> = want.iter().filter(|w| !got.contains(w)).take(5).collect();
        let extra: Vec<&T> = got.iter().filter(|g| !want.contains(g)).take(5).collect();
        panic!(
            "{what}: got {} want {}; missing {missing:#?}; unexpected {extra:#?}",
            got.len(),
            want.len()
        );
    }
    diff("accounts", &scan.accounts, &truth.accounts);
    diff("groups", &scan.groups, &truth.groups);
    diff("memberships", &scan.memberships, &truth.memberships);
    diff("resources", &scan.resources, &truth.resources);
    diff("grants", &scan.grants, &truth.grants);
    assert_eq!(scan.system, truth.system);
    assert_eq!(scan.scanned_as, truth.scanned_as);
}

#[cfg(feature = "test-util")]
/// Where a JSON document breaks the inventory schema (empty when it is valid).
pub fn schema_errors(document: &serde_json::Value) -> Vec<String> {
    let schema: serde_json::Value =
        serde_json::from_str(crate::inventory::INVENTORY_SCHEMA).expect("the schema is JSON");
    let validator = jsonschema::options()
        .should_validate_formats(true)
        .build(&schema)
        .expect("the schema compiles");
    validator
        .iter_errors(document)
        .map(|e| e.to_string())
        .collect()
}

#[cfg(feature = "test-util")]
/// Asserts that the JSON form of `inventory` validates against the schema.
pub fn assert_valid(inventory: &crate::Inventory) {
    let mut json = Vec::new();
    inventory
        .write_json(&mut json)
        .expect("an inventory writes");
    let value: serde_json::Value = serde_json::from_slice(&json).expect("it is JSON");
    let errors = schema_errors(&value);
    assert!(errors.is_empty(), "{errors:?}");
}

/// The coverage entry of `collection`; panics when there is none.
pub fn coverage_of(inventory: &crate::Inventory, collection: &str) -> crate::Coverage {
    inventory
        .coverage
        .iter()
        .find(|c| c.collection == collection)
        .unwrap_or_else(|| panic!("no coverage entry for {collection}"))
        .clone()
}
