//! [`scan`]: one Confluence Data Center into one inventory, with honest coverage.
//!
//! Order and why: the groups, then every group's direct members (the member resource serves
//! most names; the names it cannot take in its path — `/`, `\`, `;` — through
//! `group/member?groupName=` where the server has it, 10.2), then the accounts (`user/list` where
//! the server has it; on 7.x the CQL user search, united with the members already seen and
//! checked against them), the spaces, their permissions (REST from 9.1, the JSON-RPC bridge
//! before), then — only where the query form is absent — the member-of sweep that rebuilds the
//! groups no member resource serves (it needs every account, permission holders included; a
//! scan option skips it), the 9.3+ global permissions where the server has them, and the
//! implicit `confluence-administrators` grant. Coverage for accounts and memberships is decided
//! last, once every account seen anywhere can be checked against the listing.
//!
//! Every `complete: true` below carries a comment saying why it holds for any data the server
//! could hold, not only for the simulator's (the inventory spec's "When `complete: true` is
//! allowed").
//!
//! A collection the token may not read, or a server setting that blocks one (the Remote API
//! off, secure administrator sessions on), is reported incomplete with the reason and the fix;
//! the scan goes on.

use std::collections::{BTreeSet, HashMap, HashSet};

use atlassian_core::applinks::optional_manifest;
use atlassian_core::inventory::{CollectSink, InventorySink, InventorySummary, ScannedAs, System};
use atlassian_core::scan::begin_inventory;
use atlassian_core::{Account, Error, Inventory, InventoryBuilder, Method, Product, Subject};
use futures::TryStreamExt;

use crate::api::ConfluenceClient;
use crate::model::{Group, User};
use crate::permission::SubjectRef;

pub use atlassian_core::scan::{Progress, ProgressFn, ScanOptions};

mod coverage;
mod global;
mod logins;
mod people;
mod spaces;

/// Scans the whole instance into `sink`: the header first, memberships as they are found, the
/// other records sorted and then [`InventorySink::finish`] at the end. A scan that fails or is
/// dropped never reaches `finish`, so nothing partial is marked complete.
///
/// Fails only when the instance cannot be read at all (unreachable, not Confluence, the token
/// refused or answered as anonymous), answers in a way no documented version does, or the sink
/// fails; every refusal of one collection is a coverage gap instead.
pub async fn scan_into(
    api: &ConfluenceClient,
    options: &ScanOptions,
    sink: &mut dyn InventorySink,
) -> Result<InventorySummary, Error> {
    Scanner::start(api, options, sink).await?.run().await
}

/// Scans the whole instance and returns its inventory.
pub async fn scan(api: &ConfluenceClient, options: &ScanOptions) -> Result<Inventory, Error> {
    let mut sink = CollectSink::new();
    scan_into(api, options, &mut sink).await?;
    Ok(sink.into_inventory()?)
}

/// The group whose members administer the instance and every space.
const ADMIN_GROUP: &str = "confluence-administrators";

/// The fix when the token's owner is not an administrator.
const NEEDS_ADMIN: &str =
    "use a token of a Confluence administrator (a member of confluence-administrators)";
/// The fix when the token's owner may not view users.
const NEEDS_VIEW_USERS: &str = "the token's owner needs permission to view users (the View User Profiles global permission) or must be a Confluence administrator";

/// Where space permissions come from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum SpacePermissionSource {
    /// `space/{key}/permissions` and `/permissions/anonymous` (9.1+).
    Rest,
    /// JSON-RPC `getSpacePermissionSets` (every version, needs the Remote API).
    JsonRpc,
}

/// What reading one space's permissions gave.
#[derive(Debug)]
enum SpaceOutcome {
    /// The grants, as (permission, holder).
    Read {
        grants: Vec<(String, SubjectRef)>,
        /// Legacy names this crate does not know.
        unknown_names: Vec<String>,
        /// Holders of a shape this crate does not know.
        odd_holders: usize,
        /// Read through JSON-RPC although the REST resource was tried first.
        fell_back: bool,
    },
    /// This space's permissions were refused (why, and the fix).
    Refused(String),
    /// The space no longer exists.
    Vanished,
    /// The source cannot be used on this instance at all (why, and the fix).
    Unavailable(String),
}

/// How the accounts were listed.
#[derive(Debug, Default)]
struct AccountListing {
    /// The listing used, for the coverage method.
    method: String,
    /// `user/list` (false) or the CQL search (true).
    via_search: bool,
    /// Every key the listing returned.
    listed: HashSet<String>,
    /// The search's `totalSize`.
    stated_total: Option<u64>,
    /// Why the listing failed, when it did.
    failure: Option<String>,
    /// Users the listing returned without a user key (they cannot be recorded).
    unkeyed: usize,
}

/// How the memberships were read.
#[derive(Debug, Default)]
struct MembershipOutcome {
    /// Groups read through the member resource (`group/{name}/member`).
    read: usize,
    /// Groups read through `group/member?groupName=` (names the path cannot carry).
    read_by_query: usize,
    /// Why the member resource refused.
    refused: Option<String>,
    /// Groups that disappeared during the scan.
    vanished: Vec<String>,
    /// Groups no member resource of this server serves (by name): rebuilt from `user/memberof`,
    /// or skipped.
    unservable: Vec<String>,
    /// Why `group/member?groupName=` could not serve `unservable`.
    no_query_form: Option<String>,
    /// Members listed without a user key: they cannot be recorded.
    unkeyed: usize,
    /// The member-of sweep, when it ran.
    sweep: Option<SweepOutcome>,
    /// The member-of sweep was needed and skipped ([`ScanOptions::skip_memberof_rebuild`]).
    skipped: bool,
}

/// The member-of sweep over every known account.
#[derive(Debug, Default)]
struct SweepOutcome {
    accounts: usize,
    /// Requests the sweep sent (retries not counted).
    requests: u64,
    refused: Option<String>,
    vanished_users: usize,
}

/// Which member resource reads a group.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum MemberRoute {
    /// `group/{name}/member`.
    Path,
    /// `group/member?groupName=` (10.2).
    Query,
}

/// Requests a client has sent, retries not counted.
fn requests_sent(api: &ConfluenceClient) -> u64 {
    let stats = api.client().stats();
    stats.requests.saturating_sub(stats.retries)
}

/// Up to 20 names, in double quotes (not escaped: as the server spells them), and how many
/// more.
fn some_names(names: &[String]) -> String {
    let shown: Vec<String> = names.iter().take(20).map(|n| format!("\"{n}\"")).collect();
    let mut text = shown.join(", ");
    if names.len() > shown.len() {
        text.push_str(&format!(" and {} more", names.len() - shown.len()));
    }
    text
}

/// What to do about groups whose members only a per-account rebuild can read.
const REBUILD_FIX: &str = "rename those groups so that their names hold no '/', '\\' or ';' (and are not '.' or '..'), or upgrade to a Confluence that serves group/member?groupName= (documented from 10.2)";

/// Why the member resource cannot serve such names.
const PATH_CANNOT: &str = "the member resource cannot take such names in its path (Tomcat refuses an encoded '/', CONFSERVER-54066)";

struct Scanner<'a> {
    api: &'a ConfluenceClient,
    options: &'a ScanOptions,
    /// Where the records go: memberships as they are found, the rest at the end.
    sink: &'a mut dyn InventorySink,
    version: atlassian_core::Version,
    builder: InventoryBuilder,
    /// The scanning account's direct groups (lower case); `None` when they could not be read.
    my_groups: Option<HashSet<String>>,
    /// Lower-case username → key, for the JSON-RPC holders (named by username).
    by_username: HashMap<String, String>,
    /// Every account key added, in the order met (the member-of sweep walks it).
    known: Vec<String>,
    known_set: HashSet<String>,
    /// Keys met other than through the account listing: the caller, group members, holders.
    seen_elsewhere: BTreeSet<String>,
    /// Requests the client had sent when the scan started (retries not counted).
    requests_at_start: u64,
    /// The groups, when they could be listed.
    groups: Option<Vec<String>>,
    memberships: MembershipOutcome,
    accounts: AccountListing,
    resources_complete: bool,
    /// The space-permission method and what is missing from it.
    space_method: String,
    space_problems: Vec<String>,
    /// Holders already resolved (or found not to exist).
    resolved: HashMap<SubjectRef, Resolution>,
    parallelism: usize,
}

/// A holder resolved to a subject, or why not.
#[derive(Clone, Debug)]
enum Resolution {
    Subject(Subject),
    /// No such user: the grant names nothing.
    Missing,
    /// The look-up was refused: the grant is unknown.
    Refused(String),
}

impl<'a> Scanner<'a> {
    async fn start(
        api: &'a ConfluenceClient,
        options: &'a ScanOptions,
        sink: &'a mut dyn InventorySink,
    ) -> Result<Self, Error> {
        let client = api.client();
        let requests_at_start = requests_sent(api);
        let manifest = optional_manifest(client).await;
        if let Some(product) = manifest.as_ref().and_then(|m| m.type_id.as_deref())
            && !product.eq_ignore_ascii_case("confluence")
        {
            return Err(Error::WrongProduct {
                base_url: client.base_url().to_string(),
                expected: "Confluence",
                found: product.to_owned(),
            });
        }
        let manifest_version = manifest.as_ref().and_then(|m| m.version.clone());
        let version = match (api.server_information().await, manifest_version) {
            (Ok(info), _) => info.version,
            (Err(e), Some(version)) => {
                tracing::warn!("server-information unreadable ({e}); the manifest says {version}");
                version
            }
            (Err(e), None) => return Err(e),
        };
        let me = api.current_user().await?;
        if !me.is_known() {
            return Err(Error::TokenNotAccepted {
                method: Method::GET,
                path: "/rest/api/user/current?expand=status".to_owned(),
            });
        }
        let me_key = me.key().unwrap_or_default().to_owned();
        let my_groups = match api.member_of(&me_key).try_collect::<Vec<Group>>().await {
            Ok(groups) => Some(groups.into_iter().map(|g| g.name.to_lowercase()).collect()),
            Err(e) => {
                tracing::debug!("the token owner's groups are unreadable: {e}");
                None
            }
        };
        let system = System {
            product: Product::Confluence,
            base_url: client.base_url().as_str().to_owned(),
            version: version.clone(),
            title: manifest.as_ref().and_then(|m| m.name.clone()),
            instance_id: manifest.and_then(|m| m.id),
        };
        let scanned_as = ScannedAs {
            key: me_key.clone(),
            username: me.username.clone().unwrap_or_default(),
        };
        let mut scanner = Self {
            api,
            options,
            version: atlassian_core::Version::parse_lenient(&version),
            builder: begin_inventory(system, scanned_as, &mut *sink)?,
            sink,
            my_groups,
            by_username: HashMap::new(),
            known: Vec::new(),
            known_set: HashSet::new(),
            seen_elsewhere: BTreeSet::new(),
            requests_at_start,
            groups: None,
            memberships: MembershipOutcome::default(),
            accounts: AccountListing::default(),
            resources_complete: false,
            space_method: String::new(),
            space_problems: Vec::new(),
            resolved: HashMap::new(),
            parallelism: client.stats().max_concurrency * 2,
        };
        scanner.add_user(me);
        scanner.seen_elsewhere.insert(me_key);
        Ok(scanner)
    }

    fn progress(&self, phase: &'static str, done: u64, total: Option<u64>) {
        self.options.report(self.api.client(), phase, done, total);
    }

    fn at_least(&self, major: u32, minor: u32) -> bool {
        self.version.at_least(major, minor, 0)
    }

    /// The scanning account is a direct member of `confluence-administrators`: it sees every
    /// space.
    fn is_admin_member(&self) -> bool {
        self.my_groups
            .as_ref()
            .is_some_and(|g| g.contains(ADMIN_GROUP))
    }

    /// Adds (or completes) an account from a user object; returns its key.
    fn add_user(&mut self, user: User) -> Option<String> {
        let key = user.key()?.to_owned();
        let mut account = Account::new(key.clone());
        account.username = user.username.clone().filter(|n| !n.is_empty());
        account.display_name = user.display_name.clone().filter(|n| !n.is_empty());
        // Confluence Data Center never shows e-mail addresses.
        account.email = None;
        account.active = user.active();
        self.builder.account(account);
        if let Some(name) = &user.username {
            self.by_username.insert(name.to_lowercase(), key.clone());
        }
        if self.known_set.insert(key.clone()) {
            self.known.push(key.clone());
        }
        Some(key)
    }

    async fn run(mut self) -> Result<InventorySummary, Error> {
        self.groups().await?;
        self.memberships().await?;
        self.accounts().await?;
        self.last_logins().await?;
        let spaces = self.spaces().await?;
        self.space_permissions(&spaces).await?;
        self.member_of_sweep().await?;
        self.global_permissions().await?;
        self.administrators();
        self.finish_coverage();
        self.rights_unchanged().await?;
        Ok(self.builder.build_into(self.sink)?)
    }

    /// The token owner's groups, asked again at the end. An owner who leaves
    /// confluence-administrators mid-scan is not refused by every listing: the space list
    /// answers with less. A member at both ends (and no change that undoes itself within the
    /// scan) means every answer in between was an administrator's.
    async fn rights_unchanged(&self) -> Result<(), Error> {
        if !self.is_admin_member() {
            return Ok(());
        }
        let me = self
            .known
            .first()
            .expect("the token's owner is the first account known");
        let groups: Vec<Group> = self.api.member_of(me).try_collect().await?;
        if groups
            .iter()
            .any(|g| g.name.eq_ignore_ascii_case(ADMIN_GROUP))
        {
            return Ok(());
        }
        Err(Error::RightsChanged {
            method: Method::GET,
            path: "/rest/api/user/memberof".to_owned(),
            detail: format!("the token's owner was in {ADMIN_GROUP} at the start, not at the end"),
        })
    }
}
