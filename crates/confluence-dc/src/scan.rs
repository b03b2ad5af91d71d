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
use atlassian_core::inventory::{Coverage, ScannedAs, System};
use atlassian_core::{
    Account, ApiErrorBody, Error, Inventory, InventoryBuilder, Method, Product, Resource,
    ResourceRef, StatusCode, Subject,
};
use futures::{StreamExt, TryStreamExt};

use crate::api::{ConfluenceClient, member_resource_serves};
use crate::model::{Group, RestPermission, Space, SpaceStatus, User};
use crate::permission::{
    LegacyName, SubjectRef, global_permission, legacy_space_permission, legacy_subject,
    rest_space_permission, rest_subject,
};

pub use atlassian_core::scan::{Progress, ProgressFn, ScanOptions};

/// Scans the whole instance.
///
/// Fails only when the instance cannot be read at all (unreachable, not Confluence, the token
/// refused or answered as anonymous) or answers in a way no documented version does; every
/// refusal of one collection is a coverage gap instead.
pub async fn scan(api: &ConfluenceClient, options: &ScanOptions) -> Result<Inventory, Error> {
    Scanner::start(api, options).await?.run().await
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

/// The error for a `user/current` answered as anonymous: the token was not accepted.
fn anonymous_answer() -> Error {
    let message = serde_json::json!({
        "message": "the server answered as the anonymous user: the token was not accepted \
                    (send it as a Bearer token, and check that no proxy strips the \
                    Authorization header)"
    });
    Error::Status {
        method: Method::GET,
        path: "/rest/api/user/current?expand=status".to_owned(),
        status: StatusCode::UNAUTHORIZED,
        body: Box::new(ApiErrorBody::parse(
            Some("application/json"),
            message.to_string().as_bytes(),
        )),
        login_reason: None,
        retry_after: None,
    }
}

impl<'a> Scanner<'a> {
    async fn start(api: &'a ConfluenceClient, options: &'a ScanOptions) -> Result<Self, Error> {
        let client = api.client();
        let requests_at_start = requests_sent(api);
        let manifest = optional_manifest(client).await;
        if let Some(product) = manifest.as_ref().and_then(|m| m.type_id.as_deref())
            && !product.eq_ignore_ascii_case("confluence")
        {
            return Err(Error::Config(format!(
                "{} is a {product} server, not Confluence",
                client.base_url()
            )));
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
            return Err(anonymous_answer());
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
            builder: options.builder(system, scanned_as)?,
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
        self.options.report(phase, done, total);
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

    async fn run(mut self) -> Result<Inventory, Error> {
        self.groups().await?;
        self.memberships().await?;
        self.accounts().await?;
        let spaces = self.spaces().await?;
        self.space_permissions(&spaces).await?;
        self.member_of_sweep().await?;
        self.global_permissions().await?;
        self.administrators();
        self.finish_coverage();
        Ok(self.builder.build(jiff::Timestamp::now())?)
    }

    async fn groups(&mut self) -> Result<(), Error> {
        self.progress("groups", 0, None);
        match self.api.groups().try_collect::<Vec<Group>>().await {
            Ok(groups) => {
                let names: Vec<String> = groups.into_iter().map(|g| g.name).collect();
                for name in &names {
                    self.builder.group(name.clone());
                }
                // Holds for any data: `group` is documented as "a paginated collection of user
                // groups" — all of them; no reference shows it filtered by the caller (a caller
                // who may not view groups is refused, below) — and it was read until the server
                // gave no `next`, each page asked from the offset of the groups received.
                self.builder.coverage(Coverage::complete(
                    "groups",
                    format!("group ({} groups)", names.len()),
                ));
                self.progress("groups", names.len() as u64, Some(names.len() as u64));
                self.groups = Some(names);
            }
            Err(e) if e.is_refused() => {
                self.builder.coverage(Coverage::incomplete(
                    "groups",
                    Some("group".into()),
                    format!("the groups could not be listed ({e}); {NEEDS_VIEW_USERS}"),
                ));
            }
            Err(e) => return Err(e),
        }
        Ok(())
    }

    /// Every group's direct members: through the member resource where its path can carry the
    /// name, through `group/member?groupName=` for the other names where the server has it
    /// (probed once, with the first such group); the rest are left to the member-of sweep.
    async fn memberships(&mut self) -> Result<(), Error> {
        let Some(groups) = self.groups.clone() else {
            return Ok(());
        };
        let (servable, unservable): (Vec<String>, Vec<String>) =
            groups.into_iter().partition(|g| member_resource_serves(g));
        self.read_members(servable, MemberRoute::Path).await?;
        if let Some(first) = unservable.first()
            && self.memberships.refused.is_none()
        {
            match self.api.has_member_query(first).await {
                Ok(true) => {
                    self.read_members(unservable, MemberRoute::Query).await?;
                }
                Ok(false) => {
                    self.memberships.no_query_form = Some(format!(
                        "this server has no group/member?groupName= (asked for {first:?})"
                    ));
                    self.memberships.unservable = unservable;
                }
                Err(e) if e.is_refused() => {
                    self.memberships.no_query_form =
                        Some(format!("group/member?groupName= was refused ({e})"));
                    self.memberships.unservable = unservable;
                }
                Err(e) => return Err(e),
            }
        } else {
            self.memberships.unservable = unservable;
        }
        for group in &self.memberships.vanished {
            self.builder.warning(format!(
                "group {group:?} disappeared during the scan; its members are not listed"
            ));
        }
        Ok(())
    }

    /// Reads the direct members of `groups` through `route`, several groups at a time.
    async fn read_members(&mut self, groups: Vec<String>, route: MemberRoute) -> Result<(), Error> {
        let total = groups.len() as u64;
        let phase = match route {
            MemberRoute::Path => "memberships",
            MemberRoute::Query => "memberships (by query)",
        };
        self.progress(phase, 0, Some(total));
        let api = self.api;
        let mut results = futures::stream::iter(groups)
            .map(|group| async move {
                let members = match route {
                    MemberRoute::Path => api.group_members(&group).boxed(),
                    MemberRoute::Query => api.group_members_by_query(&group).boxed(),
                };
                let members: Result<Vec<User>, Error> = members.try_collect().await;
                (group, members)
            })
            .buffer_unordered(self.parallelism);
        let mut done = 0u64;
        while let Some((group, members)) = results.next().await {
            done += 1;
            match members {
                Ok(members) => {
                    match route {
                        MemberRoute::Path => self.memberships.read += 1,
                        MemberRoute::Query => self.memberships.read_by_query += 1,
                    }
                    for user in members {
                        if let Some(key) = self.add_user(user) {
                            self.builder.membership(group.clone(), key.clone());
                            self.seen_elsewhere.insert(key);
                        } else {
                            self.memberships.unkeyed += 1;
                        }
                    }
                }
                Err(e) if e.is_refused() => {
                    self.memberships.refused.get_or_insert_with(|| {
                        if e.is_unauthorized() {
                            format!(
                                "the member resource answered 401 although the token is valid ({e}): Confluence 8.5+ answers a non-administrator so (CONFSERVER-98582); {NEEDS_ADMIN}"
                            )
                        } else {
                            format!("the member resource refused ({e}); {NEEDS_VIEW_USERS}")
                        }
                    });
                }
                Err(e) if e.is_not_found() => self.memberships.vanished.push(group),
                Err(e) => return Err(e),
            }
            if done.is_multiple_of(25) {
                self.progress(phase, done, Some(total));
            }
        }
        drop(results);
        self.progress(phase, done, Some(total));
        Ok(())
    }

    /// Every account: `user/list` where the server has it (8.4+), else the CQL user search.
    async fn accounts(&mut self) -> Result<(), Error> {
        self.progress("accounts", 0, None);
        let why_not_list = match self.api.user_list().try_collect::<Vec<User>>().await {
            Ok(users) => {
                let n = users.len();
                self.accounts.method = format!("user/list?expand=status ({n} users)");
                for user in users {
                    if let Some(key) = self.add_user(user) {
                        self.accounts.listed.insert(key);
                    } else {
                        self.accounts.unkeyed += 1;
                    }
                }
                self.progress("accounts", n as u64, Some(n as u64));
                return Ok(());
            }
            Err(e) if e.is_not_found() => "user/list is absent (404)".to_owned(),
            Err(e) if e.is_refused() => format!("user/list was refused ({e})"),
            Err(e) => return Err(e),
        };
        tracing::debug!("{why_not_list}: listing users through the CQL search");
        self.accounts.via_search = true;
        let total = match self.api.search_users_total().await {
            Ok(total) => total,
            Err(e) if e.is_refused() => {
                self.accounts.failure = Some(format!("the user search was refused ({e})"));
                None
            }
            Err(e) => return Err(e),
        };
        self.accounts.stated_total = total;
        let users = match self.api.search_users().try_collect::<Vec<User>>().await {
            Ok(users) => users,
            Err(e) if e.is_refused() => {
                self.accounts.failure = Some(format!("the user search was refused ({e})"));
                Vec::new()
            }
            Err(e) => return Err(e),
        };
        let n = users.len();
        self.accounts.method = format!(
            "group members ∪ search?cql=type=user ({why_not_list}; {n} users found by the search, totalSize {})",
            total.map_or_else(|| "not stated".to_owned(), |t| t.to_string())
        );
        for user in users {
            if let Some(key) = self.add_user(user) {
                self.accounts.listed.insert(key);
            } else {
                self.accounts.unkeyed += 1;
            }
        }
        self.progress("accounts", n as u64, total);
        Ok(())
    }

    /// Current and archived spaces, global and personal, de-duplicated by key.
    async fn spaces(&mut self) -> Result<Vec<String>, Error> {
        self.progress("spaces", 0, None);
        let mut keys = Vec::new();
        let mut seen = HashSet::new();
        let mut refusal: Option<String> = None;
        for status in [SpaceStatus::Current, SpaceStatus::Archived] {
            match self.api.spaces(status).try_collect::<Vec<Space>>().await {
                Ok(spaces) => {
                    for space in spaces {
                        if !seen.insert(space.key.clone()) {
                            self.builder.warning(format!(
                                "space {} is listed as both current and archived",
                                space.key
                            ));
                            continue;
                        }
                        let archived = space
                            .status
                            .as_deref()
                            .map_or(status == SpaceStatus::Archived, |s| {
                                s.eq_ignore_ascii_case("archived")
                            });
                        self.builder.resource(
                            Resource::new(&ResourceRef::Space(space.key.clone()), space.name)
                                .with_archived(archived),
                        );
                        keys.push(space.key);
                    }
                }
                Err(e) if e.is_refused() => {
                    refusal.get_or_insert_with(|| e.to_string());
                }
                Err(e) => return Err(e),
            }
        }
        let method = format!(
            "space?status=current and space?status=archived ({} spaces, global and personal)",
            keys.len()
        );
        let coverage = if let Some(e) = refusal {
            Coverage::incomplete(
                "resources",
                Some(method),
                format!("the spaces could not be listed ({e}); {NEEDS_ADMIN}"),
            )
        } else if self.is_admin_member() {
            self.resources_complete = true;
            // Holds for any data: a direct member of confluence-administrators sees every space
            // (ref §7.4), both listings — current and archived, without a type filter, so
            // global and personal — were read to their end without a refusal, and the pre-9
            // paging quirks only repeat spaces (de-duplicated by key), never hide one.
            Coverage::complete(
                "resources",
                format!(
                    "{method}; the token's owner is in confluence-administrators, who see every space"
                ),
            )
        } else {
            let why = if self.my_groups.is_some() {
                "it is not in confluence-administrators"
            } else {
                "its groups could not be read to show that it administers Confluence"
            };
            Coverage::incomplete(
                "resources",
                Some(method),
                format!(
                    "only the spaces the token's owner may view are listed ({why}); {NEEDS_ADMIN}"
                ),
            )
        };
        self.builder.coverage(coverage);
        self.progress("spaces", keys.len() as u64, Some(keys.len() as u64));
        Ok(keys)
    }

    /// Every listed space's permissions: REST from 9.1, JSON-RPC before. The first space is
    /// read alone, so that an instance-wide block (the Remote API off, WebSudo) costs one
    /// request, not one per space.
    async fn space_permissions(&mut self, spaces: &[String]) -> Result<(), Error> {
        let source = if self.at_least(9, 1) {
            SpacePermissionSource::Rest
        } else {
            SpacePermissionSource::JsonRpc
        };
        let total = spaces.len() as u64;
        self.progress("space permissions", 0, Some(total));
        let api = self.api;
        let mut outcomes: Vec<(String, SpaceOutcome)> = Vec::with_capacity(spaces.len());
        if let Some((first, rest)) = spaces.split_first() {
            let outcome = read_space(api, source, first).await?;
            // Only the bridge is blocked instance-wide; a REST fallback that met it was one space.
            let blocked = source == SpacePermissionSource::JsonRpc
                && matches!(outcome, SpaceOutcome::Unavailable(_));
            outcomes.push((first.clone(), outcome));
            if !blocked {
                let mut answers = futures::stream::iter(rest.iter().cloned())
                    .map(|key| async move {
                        let outcome = read_space(api, source, &key).await;
                        (key, outcome)
                    })
                    .buffer_unordered(self.parallelism);
                while let Some((key, outcome)) = answers.next().await {
                    outcomes.push((key, outcome?));
                    if outcomes.len().is_multiple_of(25) {
                        self.progress("space permissions", outcomes.len() as u64, Some(total));
                    }
                }
            }
        }

        let mut unavailable: Option<String> = None;
        let mut refusals: Vec<String> = Vec::new();
        let mut vanished: Vec<String> = Vec::new();
        let mut unknown_names: BTreeSet<String> = BTreeSet::new();
        let mut odd_holders = 0usize;
        let mut fell_back = 0usize;
        let mut pending: Vec<(String, String, SubjectRef)> = Vec::new();
        for (key, outcome) in outcomes {
            match outcome {
                SpaceOutcome::Read {
                    grants,
                    unknown_names: names,
                    odd_holders: odd,
                    fell_back: via_rpc,
                } => {
                    fell_back += usize::from(via_rpc);
                    odd_holders += odd;
                    unknown_names.extend(names);
                    pending.extend(grants.into_iter().map(|(p, s)| (key.clone(), p, s)));
                }
                SpaceOutcome::Refused(why) => refusals.push(why),
                SpaceOutcome::Vanished => vanished.push(key),
                SpaceOutcome::Unavailable(why) => {
                    unavailable.get_or_insert(why);
                }
            }
        }
        let mut unresolved_refused = 0usize;
        for (space, permission, holder) in pending {
            match self.resolve(&holder).await? {
                Resolution::Subject(subject) => {
                    self.builder
                        .grant(ResourceRef::Space(space), permission, subject);
                }
                Resolution::Missing => {
                    self.builder.warning(format!(
                        "space {space}: {permission} is granted to {holder:?}, who does not exist; not listed"
                    ));
                }
                Resolution::Refused(why) => {
                    unresolved_refused += 1;
                    self.builder.warning(format!(
                        "space {space}: {permission} is granted to {holder:?}, who could not be looked up ({why}); not listed"
                    ));
                }
            }
        }
        for space in &vanished {
            self.builder.warning(format!(
                "space {space} disappeared during the scan; its permissions are not listed"
            ));
        }

        let n = spaces.len();
        self.space_method = match source {
            SpacePermissionSource::Rest if fell_back > 0 => format!(
                "space/{{key}}/permissions and /permissions/anonymous for {n} spaces (REST, 9.1+; JSON-RPC getSpacePermissionSets for {fell_back} whose REST resource answered 404)"
            ),
            SpacePermissionSource::Rest => format!(
                "space/{{key}}/permissions and /permissions/anonymous for {n} spaces (REST, 9.1+)"
            ),
            SpacePermissionSource::JsonRpc => format!(
                "JSON-RPC getSpacePermissionSets for {n} spaces (legacy names mapped, holders named by username)"
            ),
        };
        let problems = &mut self.space_problems;
        if let Some(why) = unavailable {
            problems.push(why);
        }
        if let Some(first) = refusals.first() {
            problems.push(format!(
                "the permissions of {} of {n} spaces were refused: {first}",
                refusals.len()
            ));
        }
        if !vanished.is_empty() {
            problems.push(format!(
                "{} spaces disappeared during the scan",
                vanished.len()
            ));
        }
        if !unknown_names.is_empty() {
            problems.push(format!(
                "legacy permission names this scanner does not know were left out: {unknown_names:?}"
            ));
        }
        if odd_holders > 0 {
            problems.push(format!(
                "{odd_holders} grants to holders of an unknown shape were left out"
            ));
        }
        if unresolved_refused > 0 {
            problems.push(format!(
                "{unresolved_refused} grants name users who could not be looked up; {NEEDS_VIEW_USERS}"
            ));
        }
        if !self.resources_complete {
            problems.push(
                "only the permissions of the listed spaces were read (see the resources coverage)"
                    .to_owned(),
            );
        }
        self.progress("space permissions", total, Some(total));
        Ok(())
    }

    /// A holder as a subject: users by key or username, looked up when not yet known.
    async fn resolve(&mut self, holder: &SubjectRef) -> Result<Resolution, Error> {
        if let Some(done) = self.resolved.get(holder) {
            return Ok(done.clone());
        }
        let resolution = match holder {
            SubjectRef::Anonymous => Resolution::Subject(Subject::Anonymous),
            SubjectRef::Group(name) => {
                let canonical = match self.builder.canonical_group(name) {
                    Some(canonical) => canonical.to_owned(),
                    None => {
                        if self.groups.is_some() {
                            self.builder.warning(format!(
                                "a permission names group {name:?}, which the group list does not hold; listed as found"
                            ));
                        }
                        self.builder.group(name.clone());
                        name.clone()
                    }
                };
                Resolution::Subject(Subject::Group(canonical))
            }
            SubjectRef::UserKey(key) if self.known_set.contains(key) => {
                Resolution::Subject(Subject::Account(key.clone()))
            }
            SubjectRef::Username(name) if self.by_username.contains_key(&name.to_lowercase()) => {
                Resolution::Subject(Subject::Account(
                    self.by_username[&name.to_lowercase()].clone(),
                ))
            }
            SubjectRef::UserKey(key) => self.look_up(self.api.user_by_key(key).await),
            SubjectRef::Username(name) => self.look_up(self.api.user_by_username(name).await),
        };
        if let Resolution::Subject(Subject::Account(key)) = &resolution {
            self.seen_elsewhere.insert(key.clone());
        }
        self.resolved.insert(holder.clone(), resolution.clone());
        Ok(resolution)
    }

    fn look_up(&mut self, answer: Result<Option<User>, Error>) -> Resolution {
        match answer {
            Ok(Some(user)) => match self.add_user(user) {
                Some(key) => Resolution::Subject(Subject::Account(key)),
                None => Resolution::Missing,
            },
            Ok(None) => Resolution::Missing,
            Err(e) => Resolution::Refused(e.to_string()),
        }
    }

    /// The groups no member resource of this server serves: rebuilt from every known account's
    /// `user/memberof` (only when such a group exists and the member resource was readable), or
    /// left out when [`ScanOptions::skip_memberof_rebuild`] says so.
    async fn member_of_sweep(&mut self) -> Result<(), Error> {
        if self.memberships.unservable.is_empty()
            || self.groups.is_none()
            || self.memberships.refused.is_some()
        {
            return Ok(());
        }
        if self.options.skip_memberof_rebuild {
            self.memberships.skipped = true;
            return Ok(());
        }
        let requests_before = requests_sent(self.api);
        let wanted: HashMap<String, String> = self
            .memberships
            .unservable
            .iter()
            .map(|g| (g.to_lowercase(), g.clone()))
            .collect();
        let keys = self.known.clone();
        let total = keys.len() as u64;
        self.progress("member-of", 0, Some(total));
        let api = self.api;
        let mut answers = futures::stream::iter(keys)
            .map(|key| async move {
                let groups: Result<Vec<Group>, Error> = api.member_of(&key).try_collect().await;
                (key, groups)
            })
            .buffer_unordered(self.parallelism);
        let mut sweep = SweepOutcome {
            accounts: total as usize,
            ..SweepOutcome::default()
        };
        let mut done = 0u64;
        while let Some((key, groups)) = answers.next().await {
            done += 1;
            match groups {
                Ok(groups) => {
                    for group in groups {
                        if let Some(name) = wanted.get(&group.name.to_lowercase()) {
                            self.builder.membership(name.clone(), key.clone());
                        }
                    }
                }
                Err(e) if e.is_not_found() => sweep.vanished_users += 1,
                Err(e) if e.is_refused() => {
                    sweep.refused.get_or_insert_with(|| e.to_string());
                }
                Err(e) => return Err(e),
            }
            if done.is_multiple_of(250) {
                self.progress("member-of", done, Some(total));
            }
        }
        drop(answers);
        sweep.requests = requests_sent(self.api).saturating_sub(requests_before);
        if sweep.vanished_users > 0 {
            self.builder.warning(format!(
                "{} accounts disappeared during the member-of sweep",
                sweep.vanished_users
            ));
        }
        self.memberships.sweep = Some(sweep);
        self.progress("member-of", total, Some(total));
        Ok(())
    }

    /// The 9.3+ global permissions, where the server has them (probed from 9.0; a 404 means
    /// it has not, and the collection is not reported): `permissions`, and — since the bulk list
    /// may leave them out — `permissions/anonymous` and `permissions/unlicensed`.
    async fn global_permissions(&mut self) -> Result<(), Error> {
        if !self.at_least(9, 0) {
            return Ok(());
        }
        let unreadable = |e: &Error| e.status().is_some() || matches!(e, Error::Decode { .. });
        let mut permissions: Vec<RestPermission> = match self.api.global_permissions().await {
            Ok(None) => {
                tracing::debug!("no global-permission resource on this server");
                return Ok(());
            }
            Ok(Some(permissions)) => permissions,
            Err(e) if unreadable(&e) => {
                self.builder.coverage(Coverage::incomplete(
                    "grants:global-permissions",
                    Some("permissions".into()),
                    format!("the global permissions could not be read ({e}); {NEEDS_ADMIN}"),
                ));
                return Ok(());
            }
            Err(e) => return Err(e),
        };
        self.progress("global permissions", 0, None);
        let listed = permissions.len();
        let mut problems = Vec::new();
        match self.api.global_anonymous_permissions().await {
            Ok(Some(anonymous)) => permissions.extend(anonymous),
            Ok(None) => problems.push(
                "permissions/anonymous answered 404, so the anonymous grants are missing unless the bulk list holds them".to_owned(),
            ),
            Err(e) if unreadable(&e) => problems.push(format!(
                "the anonymous global permissions could not be read ({e}); {NEEDS_ADMIN}"
            )),
            Err(e) => return Err(e),
        }
        match self.api.global_unlicensed_permissions().await {
            Ok(Some(unlicensed)) if unlicensed.is_empty() => {}
            Ok(Some(unlicensed)) => {
                let names: BTreeSet<String> = unlicensed
                    .iter()
                    .map(|p| global_permission(&p.operation))
                    .collect();
                problems.push(format!(
                    "{} global permissions granted to unlicensed authenticated users ({names:?}) are not listed: the inventory has no subject for those users",
                    unlicensed.len()
                ));
            }
            Ok(None) => problems.push(
                "permissions/unlicensed answered 404, so whether unlicensed users hold global permissions is unknown".to_owned(),
            ),
            Err(e) if unreadable(&e) => problems.push(format!(
                "the global permissions of unlicensed users could not be read ({e}); {NEEDS_ADMIN}"
            )),
            Err(e) => return Err(e),
        }
        let mut odd = 0usize;
        for permission in &permissions {
            let name = global_permission(&permission.operation);
            let Some(holder) = rest_subject(&permission.subject) else {
                odd += 1;
                continue;
            };
            match self.resolve(&holder).await? {
                Resolution::Subject(subject) => {
                    self.builder.grant(ResourceRef::System, name, subject);
                }
                Resolution::Missing => {
                    self.builder.warning(format!(
                        "{name} is granted to {holder:?}, who does not exist; not listed"
                    ));
                }
                Resolution::Refused(why) => problems.push(format!(
                    "{name} is granted to {holder:?}, who could not be looked up ({why})"
                )),
            }
        }
        if odd > 0 {
            problems.push(format!(
                "{odd} grants to holders of an unknown shape were left out"
            ));
        }
        let method = format!(
            "permissions ({listed} grants), permissions/anonymous ({} grants) and permissions/unlicensed",
            permissions.len() - listed
        );
        self.builder.coverage(if problems.is_empty() {
            // Holds for any data: `permissions` is documented as every global permission granted
            // to users and groups, `/anonymous` and `/unlicensed` were read too (whichever holds
            // the anonymous grants, both were read; the unlicensed list was empty), every holder
            // was resolved or shown not to exist, and nothing was refused.
            Coverage::complete("grants:global-permissions", method)
        } else {
            Coverage::incomplete(
                "grants:global-permissions",
                Some(method),
                problems.join("; "),
            )
        });
        Ok(())
    }

    /// Members of `confluence-administrators` administer the instance and every space without a
    /// stored space permission: one `system:administer` grant to the group.
    fn administrators(&mut self) {
        match self.builder.canonical_group(ADMIN_GROUP).map(str::to_owned) {
            Some(group) => {
                self.builder
                    .grant(ResourceRef::System, "system:administer", Subject::Group(group));
                self.space_method
                    .push_str(", and system:administer for confluence-administrators");
            }
            None if self.groups.is_none() => self.space_problems.push(format!(
                "the groups could not be listed, so whether {ADMIN_GROUP} exists (and administers every space) is unknown"
            )),
            None => {
                self.builder.warning(format!(
                    "there is no {ADMIN_GROUP} group: no implicit administrators are recorded"
                ));
            }
        }
    }

    fn finish_coverage(&mut self) {
        let accounts_complete = self.accounts_coverage();
        self.memberships_coverage(accounts_complete);
        self.rebuild_warning();
        let method = std::mem::take(&mut self.space_method);
        self.builder.coverage(if self.space_problems.is_empty() {
            // Holds for any data: every space of a complete space list (see `spaces`) had its
            // stored permissions read whole — the REST list and `/permissions/anonymous` (the
            // list may leave anonymous grants out), or `getSpacePermissionSets`, one set per
            // permission type — nothing was refused, every holder was resolved or shown not to
            // exist, and the one grant the server does not store (confluence-administrators
            // administers every space) is added from the complete group list.
            Coverage::complete("grants:space-permissions", method)
        } else {
            Coverage::incomplete(
                "grants:space-permissions",
                Some(method),
                self.space_problems.join("; "),
            )
        });
    }

    /// Where the member-of sweep ran: a warning with its cost (it is most of a scan's requests
    /// on a large instance) and how to avoid it.
    fn rebuild_warning(&mut self) {
        let m = &self.memberships;
        let Some(sweep) = &m.sweep else {
            return;
        };
        let total = requests_sent(self.api).saturating_sub(self.requests_at_start);
        let why = m
            .no_query_form
            .as_deref()
            .unwrap_or("group/member?groupName= was not used");
        self.builder.warning(format!(
            "the members of {} groups ({}) were rebuilt from user/memberof, one request per account: {} of this scan's {total} requests ({} accounts), because {why} and {PATH_CANNOT}. To avoid the rebuild, {REBUILD_FIX}; or scan with --no-memberof-rebuild, which reports these groups' memberships as incomplete",
            m.unservable.len(),
            some_names(&m.unservable),
            sweep.requests,
            sweep.accounts,
        ));
    }

    /// Accounts are complete when the listing was read to its end, is not empty, (for the
    /// search) holds as many users as it states, and holds every account met elsewhere.
    fn accounts_coverage(&mut self) -> bool {
        let listing = &self.accounts;
        let source = if listing.via_search {
            "the user search"
        } else {
            "user/list"
        };
        let missing: Vec<&String> = self
            .seen_elsewhere
            .iter()
            .filter(|k| !listing.listed.contains(*k))
            .collect();
        let method = listing.method.clone();
        let detail = if let Some(failure) = &listing.failure {
            Some(format!(
                "{failure}; only accounts seen as group members or permission holders are listed; {NEEDS_VIEW_USERS}"
            ))
        } else if listing.listed.is_empty() {
            Some(format!(
                "{source} returned no users although the token's owner exists, so the token may not view users; only accounts seen as group members or permission holders are listed; {NEEDS_VIEW_USERS}"
            ))
        } else if listing.unkeyed > 0 {
            Some(format!(
                "{source} returned {} users without a user key, which cannot be listed; only accounts with a key are",
                listing.unkeyed
            ))
        } else if listing.via_search && listing.stated_total != Some(listing.listed.len() as u64) {
            Some(match listing.stated_total {
                Some(total) => format!(
                    "the user search states {total} users but {} were received",
                    listing.listed.len()
                ),
                None => {
                    "the user search states no total, so it cannot be shown complete".to_owned()
                }
            })
        } else if !missing.is_empty() {
            let fix = if listing.via_search {
                "; the search index is stale: rebuild it (General Configuration → Content Indexing)"
            } else {
                ""
            };
            Some(format!(
                "{} accounts seen as group members or permission holders are not in {source} (e.g. {:?}); they are listed as found{fix}",
                missing.len(),
                missing.iter().take(5).collect::<Vec<_>>()
            ))
        } else {
            None
        };
        let complete = detail.is_none();
        self.builder.coverage(match detail {
            Some(detail) => Coverage::incomplete("accounts", Some(method), detail),
            // The spec's proof before 8.4: the search was read to its end, received exactly the
            // `totalSize` it states, and holds every account met anywhere else (members, holders,
            // the caller) — an index missing one of those would have shown here.
            None if listing.via_search => Coverage::complete(
                "accounts",
                format!(
                    "{method}; complete: read to the end, as many users as the stated totalSize, and every group member and permission holder among them"
                ),
            ),
            // Holds for any data: `user/list` is documented as every registered user,
            // deactivated ones included (CONFSERVER-87291), it was read until the server gave no
            // `next`, every entry had a key, and every account met anywhere else is in it (so a
            // listing that leaves users out, as Onyx warns one may, is caught when it matters).
            None => Coverage::complete(
                "accounts",
                format!(
                    "{method}; complete: read to the end, and every group member and permission holder among them"
                ),
            ),
        });
        complete
    }

    fn memberships_coverage(&mut self, accounts_complete: bool) {
        const AWKWARD: &str = "whose names hold '/', '\\' or ';' (or are '.' or '..')";
        let m = &self.memberships;
        let mut method = format!(
            "group/{{name}}/member?expand=status for {} groups (direct members)",
            m.read
        );
        if m.read_by_query > 0 {
            method.push_str(&format!(
                "; group/member?groupName= for {} groups whose names the member resource's path cannot carry",
                m.read_by_query
            ));
        }
        if let Some(sweep) = &m.sweep {
            method.push_str(&format!(
                "; user/memberof?key= for each of {} accounts ({} requests) to rebuild {} groups {AWKWARD}, because {PATH_CANNOT} and {}",
                sweep.accounts,
                sweep.requests,
                m.unservable.len(),
                m.no_query_form
                    .as_deref()
                    .unwrap_or("group/member?groupName= was not used")
            ));
        }
        let mut problems = Vec::new();
        if self.groups.is_none() {
            problems.push("the groups could not be listed, so no memberships were read".to_owned());
        }
        if let Some(why) = &m.refused {
            problems.push(why.clone());
        }
        if !m.unservable.is_empty() {
            match &m.sweep {
                None if m.skipped => problems.push(format!(
                    "the members of {} groups {AWKWARD} were not read ({}): {PATH_CANNOT}, {}, and the user/memberof rebuild (one request per account) was skipped (--no-memberof-rebuild). For a complete answer, scan without that option, or {REBUILD_FIX}",
                    m.unservable.len(),
                    some_names(&m.unservable),
                    m.no_query_form.as_deref().unwrap_or("no member resource serves them"),
                )),
                None if self.groups.is_some() && m.refused.is_none() => problems.push(format!(
                    "the members of {} groups {AWKWARD} were not rebuilt: {}",
                    m.unservable.len(),
                    some_names(&m.unservable)
                )),
                None => {}
                Some(sweep) if sweep.refused.is_some() => problems.push(format!(
                    "user/memberof was refused ({}), so the members of {} groups {AWKWARD} are missing ({}); {NEEDS_VIEW_USERS}",
                    sweep.refused.as_deref().unwrap_or_default(),
                    m.unservable.len(),
                    some_names(&m.unservable)
                )),
                Some(_) if !accounts_complete => problems.push(format!(
                    "the members of {} groups {AWKWARD} were rebuilt from the known accounts only, and the account list is incomplete ({})",
                    m.unservable.len(),
                    some_names(&m.unservable)
                )),
                _ => {}
            }
        }
        if m.unkeyed > 0 {
            problems.push(format!(
                "{} members were listed without a user key and cannot be recorded",
                m.unkeyed
            ));
        }
        if !m.vanished.is_empty() {
            problems.push(format!(
                "{} groups disappeared during the scan",
                m.vanished.len()
            ));
        }
        self.builder.coverage(if problems.is_empty() {
            // Holds for any data: the group list is complete (else a problem above), and every
            // group's direct members were read to the end — by the member resource, by
            // `group/member?groupName=` for names its path cannot carry, or, where neither serves
            // a name, rebuilt from `user/memberof` of every account of a complete account list
            // (`user/memberof` lists an account's direct groups, the other side of the same
            // relation).
            Coverage::complete("memberships", method)
        } else {
            Coverage::incomplete("memberships", Some(method), problems.join("; "))
        });
    }
}

/// Reads one space's permissions from `source`.
async fn read_space(
    api: &ConfluenceClient,
    source: SpacePermissionSource,
    key: &str,
) -> Result<SpaceOutcome, Error> {
    match source {
        SpacePermissionSource::JsonRpc => read_json_rpc(api, key, false).await,
        SpacePermissionSource::Rest => read_rest(api, key).await,
    }
}

/// A 404 whose body says the space does not exist (not that the resource does not).
fn no_such_space(e: &Error) -> bool {
    e.is_not_found()
        && e.api_body()
            .is_some_and(|b| b.messages.iter().any(|m| m.contains("No space with key")))
}

/// The REST resources; a 404 from a build without them falls back to JSON-RPC.
async fn read_rest(api: &ConfluenceClient, key: &str) -> Result<SpaceOutcome, Error> {
    let refusal = |e: &Error| {
        if e.status() == Some(StatusCode::INTERNAL_SERVER_ERROR) {
            Some(format!(
                "{e} — Confluence 9.1+ answers a non-administrator with 500 here (CONFSERVER-99908); {NEEDS_ADMIN}"
            ))
        } else if e.is_refused() {
            Some(format!("{e}; {NEEDS_ADMIN}"))
        } else {
            None
        }
    };
    let mut permissions = match api.space_permissions(key).await {
        Ok(p) => p,
        Err(e) if no_such_space(&e) => return Ok(SpaceOutcome::Vanished),
        Err(e) if e.is_not_found() => return read_json_rpc(api, key, true).await,
        Err(e) => match refusal(&e) {
            Some(why) => return Ok(SpaceOutcome::Refused(why)),
            None => return Err(e),
        },
    };
    match api.space_anonymous_permissions(key).await {
        Ok(anonymous) => permissions.extend(anonymous),
        Err(e) if e.is_not_found() => return read_json_rpc(api, key, true).await,
        Err(e) => match refusal(&e) {
            Some(why) => return Ok(SpaceOutcome::Refused(why)),
            None => return Err(e),
        },
    }
    let mut grants = Vec::with_capacity(permissions.len());
    let mut odd_holders = 0;
    for permission in permissions {
        match rest_subject(&permission.subject) {
            Some(holder) => grants.push((rest_space_permission(&permission.operation), holder)),
            None => odd_holders += 1,
        }
    }
    Ok(SpaceOutcome::Read {
        grants,
        unknown_names: Vec::new(),
        odd_holders,
        fell_back: false,
    })
}

/// JSON-RPC `getSpacePermissionSets`, with each of its failure modes turned into a reason and
/// a fix.
async fn read_json_rpc(
    api: &ConfluenceClient,
    key: &str,
    fell_back: bool,
) -> Result<SpaceOutcome, Error> {
    let sets = match api.space_permission_sets(key).await {
        Ok(Ok(sets)) => sets,
        Ok(Err(rpc)) if rpc.is_not_permitted() => {
            return Ok(SpaceOutcome::Refused(format!(
                "the remote API refused getSpacePermissionSets ({rpc}): the token's owner is not a Confluence administrator; {NEEDS_ADMIN}"
            )));
        }
        Ok(Err(rpc)) if rpc.is_no_such_space() => return Ok(SpaceOutcome::Vanished),
        Ok(Err(rpc)) => {
            return Ok(SpaceOutcome::Refused(format!(
                "getSpacePermissionSets failed ({rpc})"
            )));
        }
        Err(e) if e.status() == Some(StatusCode::UNAUTHORIZED) => {
            return Ok(SpaceOutcome::Unavailable(format!(
                "the JSON-RPC bridge answered 401 although the token is valid ({e}): the Remote API is disabled; a Confluence administrator must enable \"Remote API (XML-RPC & SOAP)\" under General Configuration → Further Configuration (before 9.1 it is the only source of space permissions)"
            )));
        }
        Err(e @ Error::HtmlPage { .. }) => {
            return Ok(SpaceOutcome::Unavailable(format!(
                "the JSON-RPC bridge answered an HTML page instead of JSON ({e}): secure administrator sessions (WebSudo) are on and block the remote API's administrator methods; disable them under General Configuration → Security Configuration → Secure administrator sessions, or exempt the JSON-RPC path from them"
            )));
        }
        Err(e) if e.is_not_found() => {
            return Ok(SpaceOutcome::Unavailable(format!(
                "the server has no JSON-RPC bridge ({e}), and no other source of space permissions on this version"
            )));
        }
        Err(e) if e.is_forbidden() => {
            return Ok(SpaceOutcome::Refused(format!("{e}; {NEEDS_ADMIN}")));
        }
        Err(e) => return Err(e),
    };
    let mut grants = Vec::new();
    let mut unknown_names = Vec::new();
    let mut odd_holders = 0;
    for set in sets {
        let permission = match legacy_space_permission(&set.permission_type) {
            LegacyName::Permission(p) => p,
            LegacyName::Alias => continue,
            LegacyName::Unknown => {
                if !set.space_permissions.is_empty() {
                    unknown_names.push(set.permission_type);
                }
                continue;
            }
        };
        for holder in &set.space_permissions {
            match legacy_subject(holder) {
                Some(subject) => grants.push((permission.to_owned(), subject)),
                None => odd_holders += 1,
            }
        }
    }
    Ok(SpaceOutcome::Read {
        grants,
        unknown_names,
        odd_holders,
        fell_back,
    })
}
