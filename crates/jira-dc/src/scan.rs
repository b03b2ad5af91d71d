//! [`scan`]: one Jira Data Center into one inventory, with honest coverage.
//!
//! Order and why: groups first (the picker, checked against its `total`), then every group's
//! members (most accounts are known after this), then accounts (`user/list` where the server
//! has it, else `user/search?username=.` and, where that proves nothing, a prefix sweep),
//! projects, role actors, application roles and permission schemes; the accounts' verdict
//! last, since a proof needs every account seen anywhere. A collection the token may not read is
//! reported incomplete with the reason and the fix; the scan goes on.

use std::collections::{BTreeMap, HashMap, HashSet};

use atlassian_core::applinks::fetch_manifest;
use atlassian_core::inventory::{Coverage, ScannedAs, System};
use atlassian_core::{
    Account, Error, Inventory, InventoryBuilder, Product, Resource, ResourceRef, Subject,
};
use futures::{FutureExt, StreamExt, TryStreamExt};

use crate::api::JiraClient;
use crate::group_sweep::{GroupPickerSweep, PICKER_MAX};
use crate::model::{GROUP_ACTOR, Holder, MyPermissions, ServerInfo, USER_ACTOR, User};
use crate::sweep::UserSearchSweep;
use crate::wildcard::{SearchCaps, WildcardProof, WildcardRead, key_of, read_wildcard};

pub use atlassian_core::scan::{Progress, ProgressFn, ScanOptions};

/// Scans the whole instance.
pub async fn scan(api: &JiraClient, options: &ScanOptions) -> Result<Inventory, Error> {
    Scanner::start(api, options).await?.run().await
}

struct Scanner<'a> {
    api: &'a JiraClient,
    options: &'a ScanOptions,
    info: ServerInfo,
    permissions: MyPermissions,
    builder: InventoryBuilder,
    /// Lower-case username → key, for role actors (which name users by username).
    by_username: HashMap<String, String>,
    /// Global role id → name, once read.
    role_names: HashMap<u64, String>,
    /// Every group was listed (memberships can be no more complete than the groups).
    groups_complete: bool,
    /// How the accounts were read, for their verdict at the end.
    accounts: AccountsRoute,
    /// The group picker's answer to the empty query, asked with the opening questions.
    picker: Option<Result<crate::model::GroupSuggestions, Error>>,
    parallelism: usize,
}

/// Every answer of the project side: the instance-wide listings, every project × role's
/// actors, every project's permission scheme. Read on its own (it needs nothing the people side
/// finds) and mapped once the accounts are known.
struct ProjectAnswers {
    projects: Result<Vec<crate::model::Project>, Error>,
    applications: Result<Vec<crate::model::ApplicationRole>, Error>,
    roles: Result<Vec<crate::model::GlobalRole>, Error>,
    schemes: Result<crate::model::PermissionSchemes, Error>,
    role_actors: Vec<(String, Result<crate::model::ProjectRole, Error>)>,
    scheme_refs: Vec<(String, Result<crate::model::SchemeRef, Error>)>,
}

impl ProjectAnswers {
    async fn fetch(api: &JiraClient, options: &ScanOptions, parallelism: usize) -> Self {
        // The four instance-wide listings are independent: one round trip.
        let (projects, applications, roles, schemes) = futures::join!(
            api.projects(),
            api.application_roles(),
            api.roles(),
            api.permission_schemes()
        );
        let keys: Vec<String> = match &projects {
            Ok(projects) => projects.iter().map(|p| p.key.clone()).collect(),
            Err(_) => Vec::new(),
        };
        // Refused listings ask nothing further (their coverage says why).
        let pairs: Vec<(String, u64)> = match &roles {
            Ok(roles) => keys
                .iter()
                .flat_map(|p| roles.iter().map(move |r| (p.clone(), r.id)))
                .collect(),
            Err(_) => Vec::new(),
        };
        let scheme_keys = if schemes.is_ok() { keys } else { Vec::new() };
        let total = (pairs.len() + scheme_keys.len()) as u64;
        let done = std::sync::atomic::AtomicU64::new(0);
        let tick = || {
            let d = done.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1;
            if d.is_multiple_of(100) || d == total {
                options.report("roles and schemes", d, Some(total));
            }
        };
        let role_actors = futures::stream::iter(pairs)
            .map(|(project, role)| async move {
                let answer = api.project_role(&project, role).await;
                (project, answer)
            })
            .buffer_unordered(parallelism)
            .inspect(|_| tick())
            .collect::<Vec<_>>();
        let scheme_refs = futures::stream::iter(scheme_keys)
            .map(|project| async move {
                let answer = api.project_permission_scheme(&project).await;
                (project, answer)
            })
            .buffer_unordered(parallelism)
            .inspect(|_| tick())
            .collect::<Vec<_>>();
        let (role_actors, scheme_refs) = futures::join!(role_actors, scheme_refs);
        Self {
            projects,
            applications,
            roles,
            schemes,
            role_actors,
            scheme_refs,
        }
    }
}

/// The accounts' first read: `user/list` where the server has it, else `username=.`.
enum FirstRead {
    Listed(Vec<User>),
    Wildcard(WildcardRead, SearchCaps),
}

impl FirstRead {
    async fn fetch(api: &JiraClient, caps: SearchCaps) -> Result<Self, Error> {
        let listed: Result<Vec<User>, Error> = api.user_list().try_collect().await;
        match listed {
            Ok(users) => return Ok(Self::Listed(users)),
            Err(e) if e.is_not_found() => tracing::debug!("no user/list: reading user/search"),
            Err(e) if e.is_refused() => {
                tracing::debug!("user/list refused ({e}); reading user/search");
            }
            Err(e) => return Err(e),
        }
        Ok(Self::Wildcard(read_wildcard(api, caps).await?, caps))
    }
}

/// How the accounts were read; judged at the end of the scan.
enum AccountsRoute {
    /// Not read yet.
    Pending,
    /// `user/list`, with the keys it returned.
    Listed { keys: HashSet<String> },
    /// `username=.` answered, and so far proves the list.
    Wildcard {
        read: WildcardRead,
        caps: SearchCaps,
    },
    /// Already judged.
    Decided(Coverage),
}

/// The fix to name when the token's owner lacks administrator rights.
const NEEDS_ADMIN: &str = "the token must belong to a Jira administrator";
/// The fix to name when the token's owner lacks Browse Users.
const NEEDS_BROWSE: &str = "grant the Browse Users global permission to the service account";

impl<'a> Scanner<'a> {
    async fn start(api: &'a JiraClient, options: &'a ScanOptions) -> Result<Self, Error> {
        let client = api.client();
        // Five independent questions: one round trip, not five.
        let (info, manifest, me, permissions, picker) = futures::join!(
            api.server_info(),
            fetch_manifest(client),
            api.myself(),
            api.my_permissions(),
            api.group_picker("", PICKER_MAX)
        );
        let info = info?;
        let manifest = manifest.unwrap_or_else(|e| {
            tracing::debug!("no applinks manifest: {e}");
            None
        });
        let me = me?;
        let permissions = permissions.unwrap_or_else(|e| {
            tracing::warn!("cannot read the token's permissions ({e}); assuming all");
            MyPermissions::default()
        });
        let system = System {
            product: Product::Jira,
            base_url: client.base_url().as_str().to_owned(),
            version: info.version.clone(),
            title: info.server_title.clone(),
            instance_id: manifest.and_then(|m| m.id),
        };
        let scanned_as = ScannedAs {
            key: me
                .key
                .clone()
                .or_else(|| me.name.clone())
                .unwrap_or_default(),
            username: me.name.clone().unwrap_or_default(),
        };
        let parallelism = client.stats().max_concurrency * 2;
        let mut scanner = Self {
            api,
            options,
            info,
            permissions,
            builder: options.builder(system, scanned_as)?,
            by_username: HashMap::new(),
            role_names: HashMap::new(),
            groups_complete: false,
            accounts: AccountsRoute::Pending,
            picker: Some(picker),
            parallelism,
        };
        scanner.add_user(me);
        Ok(scanner)
    }

    fn progress(&self, phase: &'static str, done: u64, total: Option<u64>) {
        self.options.report(phase, done, total);
    }

    /// `mypermissions` unread (an old server, an error): assume the rights and let the
    /// endpoints say no.
    fn permissions_known(&self) -> bool {
        !self.permissions.permissions.is_empty()
    }

    fn can_browse_users(&self) -> bool {
        !self.permissions_known()
            || ["USER_PICKER", "ADMINISTER", "SYSTEM_ADMIN"]
                .iter()
                .any(|k| self.permissions.has(k))
    }

    fn is_admin(&self) -> bool {
        !self.permissions_known()
            || self.permissions.has("ADMINISTER")
            || self.permissions.has("SYSTEM_ADMIN")
    }

    /// Adds (or completes) an account from a user bean; returns its key.
    fn add_user(&mut self, user: User) -> Option<String> {
        let User {
            key,
            name,
            display_name,
            email_address,
            active,
            ..
        } = user;
        let key = key.or_else(|| name.clone()).filter(|k| !k.is_empty())?;
        // A large instance sends each account once per group it is in: a whole account
        // needs nothing more.
        if self.builder.account_by_key(&key).is_some_and(|a| {
            a.username.is_some()
                && a.display_name.is_some()
                && a.email.is_some()
                && a.active.is_some()
        }) {
            return Some(key);
        }
        let mut account = Account::new(key.clone());
        account.username = name.filter(|n| !n.is_empty());
        account.display_name = display_name.filter(|n| !n.is_empty());
        account.email = email_address.filter(|e| !e.is_empty());
        account.active = active;
        if let Some(name) = &account.username {
            self.by_username.insert(name.to_lowercase(), key.clone());
        }
        self.builder.account(account);
        Some(key)
    }

    /// Keys of every account seen so far.
    fn known_keys(&self) -> impl Iterator<Item = &String> {
        self.builder.accounts().map(|a| &a.key)
    }

    async fn run(mut self) -> Result<Inventory, Error> {
        // The project side is read while the people side runs: the people side is a chain
        // (groups, then members, then accounts, whose sweep waits on its own answers), and the
        // project side's thousands of independent requests fill the gaps. Its answers are
        // mapped afterwards, when every account is known.
        let fetch = ProjectAnswers::fetch(self.api, self.options, self.parallelism);
        let api = self.api;
        let caps = SearchCaps::for_major(self.info.version_triple().0);
        let people = async {
            let groups = self.groups().await?;
            // The accounts' first read needs nothing the members bring.
            let (members, first) =
                futures::join!(self.memberships(&groups), FirstRead::fetch(api, caps));
            members?;
            self.accounts(first?).await
        };
        let ((), answers) = futures::future::try_join(people, fetch.map(Ok)).await?;
        let projects = self.projects(answers.projects?)?;
        self.applications(answers.applications)?;
        self.roles(&projects, answers.roles, answers.role_actors)
            .await?;
        self.permission_schemes(answers.schemes, answers.scheme_refs)
            .await?;
        let accounts = self.accounts_coverage().await?;
        self.builder.coverage(accounts);
        let now = jiff::Timestamp::now();
        Ok(self.builder.build(now)?)
    }

    /// The groups: one picker call with a large `maxResults`, checked against `total`; when
    /// the server cut it, a sweep of substring queries until the count matches.
    async fn groups(&mut self) -> Result<Vec<String>, Error> {
        self.progress("groups", 0, None);
        let root = match self.picker.take() {
            Some(answer) => answer?,
            None => self.api.group_picker("", PICKER_MAX).await?,
        };
        let total = root.total.unwrap_or(root.groups.len() as u64);
        let mut names: BTreeMap<String, String> = BTreeMap::new();
        for g in root.groups {
            names.insert(g.name.to_lowercase(), g.name);
        }
        let mut queries = 1u64;
        if (names.len() as u64) < total {
            let options = self.options;
            queries += GroupPickerSweep::new(self.api, self.parallelism)
                .run(&mut names, total, |found| {
                    options.report("groups", found, Some(total));
                })
                .await?;
        }
        let found = names.len() as u64;
        let coverage = if !self.can_browse_users() {
            Coverage::incomplete(
                "groups",
                Some("groups/picker".into()),
                format!(
                    "the token's owner lacks Browse Users: the group picker answers exact names only; {NEEDS_BROWSE}"
                ),
            )
        } else if found >= total {
            // Holds for any data: `total` is the picker's count of groups matching the empty
            // query — every group (GroupPickerResourceHelperImpl) — and this many distinct
            // names (case-folded, as the server compares them) were seen.
            let method = if queries == 1 {
                "groups/picker (count checked against total)".to_owned()
            } else {
                format!(
                    "groups/picker substring sweep ({queries} queries, count checked against total)"
                )
            };
            Coverage::complete("groups", method)
        } else {
            Coverage::incomplete(
                "groups",
                Some("groups/picker substring sweep".into()),
                format!("the picker reports {total} groups but only {found} could be listed"),
            )
        };
        self.groups_complete = coverage.complete;
        self.builder.coverage(coverage);
        let names: Vec<String> = names.into_values().collect();
        for name in &names {
            self.builder.group(name.clone());
        }
        self.progress("groups", found, Some(total));
        Ok(names)
    }

    /// Every group's members (nested groups' members included, as Jira reports them).
    async fn memberships(&mut self, groups: &[String]) -> Result<(), Error> {
        let total = groups.len() as u64;
        self.progress("memberships", 0, Some(total));
        let api = self.api;
        let mut results = futures::stream::iter(groups.iter().cloned())
            .map(|group| async move {
                let members: Result<Vec<User>, Error> =
                    api.group_members(&group).try_collect().await;
                (group, members)
            })
            .buffer_unordered(self.parallelism);
        let mut refused: Option<Error> = None;
        let mut vanished = Vec::new();
        let mut done = 0u64;
        while let Some((group, members)) = results.next().await {
            done += 1;
            match members {
                Ok(members) => {
                    for user in members {
                        if let Some(key) = self.add_user(user) {
                            self.builder.membership(group.clone(), key);
                        }
                    }
                }
                Err(e) if e.is_refused() => {
                    refused.get_or_insert(e);
                }
                Err(e) if e.is_not_found() => vanished.push(group),
                Err(e) => return Err(e),
            }
            if done.is_multiple_of(25) {
                self.progress("memberships", done, Some(total));
            }
        }
        drop(results);
        for group in &vanished {
            self.builder.warning(format!(
                "group {group:?} disappeared during the scan; its members are not listed"
            ));
        }
        let coverage = match refused {
            Some(e) => Coverage::incomplete(
                "memberships",
                Some("group/member".into()),
                format!("group members could not be read ({e}); {NEEDS_ADMIN}"),
            ),
            None if !vanished.is_empty() => Coverage::incomplete(
                "memberships",
                Some("group/member".into()),
                format!("{} groups disappeared during the scan", vanished.len()),
            ),
            None if !self.groups_complete => Coverage::incomplete(
                "memberships",
                Some("group/member".into()),
                "only the members of the groups that could be listed are included (see groups)",
            ),
            // Holds for any data: every group is listed (`groups` complete) and each one's
            // `group/member` (inactive users included) was read to its last page, none
            // refused or gone.
            None => Coverage::complete(
                "memberships",
                "group/member for every group (nested groups' members included)",
            ),
        };
        self.builder.coverage(coverage);
        self.progress("memberships", done, Some(total));
        Ok(())
    }

    /// Every account: `user/list` where the server has it; else `user/search?username=.` read
    /// to its end, and a prefix sweep where that answer cannot be shown to be every account.
    /// The verdict waits for the end of the scan ([`Self::accounts_coverage`]): a proof needs
    /// every account seen anywhere, and role actors and scheme holders come later.
    async fn accounts(&mut self, first: FirstRead) -> Result<(), Error> {
        self.progress("accounts", 0, None);
        let (read, caps) = match first {
            FirstRead::Listed(users) => {
                let n = users.len() as u64;
                let keys = users.iter().filter_map(key_of).collect();
                for user in users {
                    self.add_user(user);
                }
                self.accounts = AccountsRoute::Listed { keys };
                self.progress("accounts", n, Some(n));
                return Ok(());
            }
            FirstRead::Wildcard(read, caps) => (read, caps),
        };
        // Before the wildcard's answer: the members and the caller.
        let known_before = self.builder.account_count();
        let mut read = read;
        for user in std::mem::take(&mut read.users) {
            self.add_user(user);
        }
        self.progress("accounts", self.builder.account_count() as u64, None);
        if !self.can_browse_users() || (read.keys.is_empty() && known_before > 1) {
            self.accounts = AccountsRoute::Decided(Coverage::incomplete(
                "accounts",
                Some(format!(
                    "user/search?username=. ({} requests)",
                    read.requests
                )),
                format!(
                    "user search returned nothing: the token's owner lacks Browse Users; only accounts seen as group members or role actors are listed; {NEEDS_BROWSE}"
                ),
            ));
            return Ok(());
        }
        match WildcardProof::judge(&read, self.known_keys()) {
            WildcardProof::Proven { .. } => {
                self.accounts = AccountsRoute::Wildcard { read, caps };
            }
            WildcardProof::Unproven(why) => {
                let coverage = self.sweep(&read, caps, &why).await?;
                self.accounts = AccountsRoute::Decided(coverage);
            }
        }
        Ok(())
    }

    /// The prefix sweep, after a wildcard answer that proves nothing; its coverage.
    async fn sweep(
        &mut self,
        read: &WildcardRead,
        caps: SearchCaps,
        why: &str,
    ) -> Result<Coverage, Error> {
        let pages_past_cap = match read.pages_past_cap {
            Some(known) => Some(known),
            // 10.x+: documented never to page past the window (JRASERVER-78520).
            None if caps.window.is_some() && !caps.probe_past_window => Some(false),
            None => None,
        };
        let sweep = UserSearchSweep::new(self.api, caps.page, self.parallelism)
            .pages_past_cap(pages_past_cap)
            .served_full_page(read.served_full_page);
        let builder = &self.builder;
        let mut outcome = sweep
            .run(builder.accounts(), |key| {
                builder.account_by_key(key).is_some()
            })
            .await?;
        let added = outcome.users.len();
        for user in std::mem::take(&mut outcome.users) {
            self.add_user(user);
        }
        self.progress("accounts", self.builder.account_count() as u64, None);
        let unresolved = if outcome.unresolved.is_empty() {
            String::new()
        } else {
            format!(
                ", or under the {} prefixes still at the cap at {} characters ({:?})",
                outcome.unresolved.len(),
                outcome.unresolved[0].chars().count(),
                outcome.unresolved.iter().take(5).collect::<Vec<_>>()
            )
        };
        let method = format!(
            "user/search: username=. ({} accounts, {} requests), then a prefix sweep ({} searches; {} capped prefixes split, {} read as active and inactive; {} accounts added; {} a page)",
            read.keys.len(),
            read.requests,
            outcome.searches,
            outcome.splits,
            outcome.status_splits,
            added,
            caps.page
        );
        // Never complete: a sweep finds accounts, and no finite set of prefixes covers every
        // username, display name and e-mail a directory may hold.
        Ok(Coverage::incomplete(
            "accounts",
            Some(method),
            format!(
                "username=. is not a proof here ({why}); a prefix sweep finds accounts but cannot prove that none is missing: an account in no group and holding no grant whose username, display name and e-mail all begin with characters the sweep did not try (it began with {:?}){unresolved} could be missing. Jira 10.3.13+ and 11.x list every account (user/list)",
                outcome.roots
            ),
        ))
    }

    /// The accounts' coverage, once every account seen anywhere is known.
    async fn accounts_coverage(&mut self) -> Result<Coverage, Error> {
        match std::mem::replace(&mut self.accounts, AccountsRoute::Pending) {
            AccountsRoute::Listed { keys } => {
                let missing: Vec<&String> =
                    self.known_keys().filter(|k| !keys.contains(*k)).collect();
                // Holds for any data: user/list's contract (Preparing for Jira 11.0) is every
                // user, once, read by cursor until `isLast`; and every account seen elsewhere
                // is in it (a listing that left out inactive users would fail here).
                Ok(match missing.first() {
                    None => {
                        Coverage::complete("accounts", format!("user/list ({} users)", keys.len()))
                    }
                    Some(first) => Coverage::incomplete(
                        "accounts",
                        Some(format!("user/list ({} users)", keys.len())),
                        format!(
                            "user/list left out {} accounts seen as group members, role actors or scheme holders (e.g. {first:?}), so it is not every account on this server; those are listed, others like them could be missing",
                            missing.len()
                        ),
                    ),
                })
            }
            AccountsRoute::Wildcard { read, caps } => {
                match WildcardProof::judge(&read, self.known_keys()) {
                    // Holds for any data: the answer was read to its end past every documented
                    // window, a dot-free witness rules out the dot-only reading, and every account
                    // seen anywhere else is in it (see `crate::wildcard`).
                    WildcardProof::Proven { witness } => Ok(Coverage::complete(
                        "accounts",
                        format!(
                            "user/search?username=. read to its end ({} accounts in {} requests), holding every account seen elsewhere, and {witness:?}, which has no '.' in its username, display name or e-mail",
                            read.keys.len(),
                            read.requests
                        ),
                    )),
                    WildcardProof::Unproven(why) => self.sweep(&read, caps, &why).await,
                }
            }
            AccountsRoute::Decided(coverage) => Ok(coverage),
            AccountsRoute::Pending => unreachable!("the accounts' coverage is decided once"),
        }
    }

    fn projects(&mut self, projects: Vec<crate::model::Project>) -> Result<Vec<String>, Error> {
        self.progress("projects", 0, None);
        let keys: Vec<String> = projects.iter().map(|p| p.key.clone()).collect();
        for project in projects {
            self.builder.resource(
                Resource::new(&ResourceRef::Project(project.key), project.name)
                    .with_archived(project.archived.unwrap_or(false)),
            );
        }
        self.progress("projects", keys.len() as u64, Some(keys.len() as u64));
        Ok(keys)
    }

    /// Application roles: resources `application:<key>`, and `use` grants to their groups.
    fn applications(
        &mut self,
        applications: Result<Vec<crate::model::ApplicationRole>, Error>,
    ) -> Result<(), Error> {
        let project_detail = (!self.is_admin()).then(|| {
            format!("only the projects the token's owner can browse are listed; {NEEDS_ADMIN}")
        });
        match applications {
            Ok(roles) => {
                for role in roles {
                    let resource = ResourceRef::Application(role.key.clone());
                    self.builder
                        .resource(Resource::new(&resource, role.name.clone()));
                    for group in role.groups {
                        self.builder.group(group.clone());
                        self.builder
                            .grant(resource.clone(), "use", Subject::Group(group));
                    }
                }
                // Holds for any data: `applicationrole` is one unpaged listing of every
                // application with its groups, read whole.
                self.builder
                    .coverage(Coverage::complete("grants:applications", "applicationrole"));
                self.builder.coverage(match project_detail {
                    Some(detail) => Coverage::incomplete(
                        "resources",
                        Some("project, applicationrole".into()),
                        detail,
                    ),
                    // Holds for any data: an administrator's `project?includeArchived=true`
                    // lists every project (unpaged), and `applicationrole` every application.
                    None => Coverage::complete(
                        "resources",
                        "project?includeArchived=true, applicationrole",
                    ),
                });
            }
            Err(e) if e.is_refused() => {
                let detail = format!("application roles could not be read ({e}); {NEEDS_ADMIN}");
                self.builder.coverage(Coverage::incomplete(
                    "grants:applications",
                    Some("applicationrole".into()),
                    detail.clone(),
                ));
                self.builder.coverage(Coverage::incomplete(
                    "resources",
                    Some("project, applicationrole".into()),
                    project_detail.map_or(detail.clone(), |p| format!("{p}; {detail}")),
                ));
            }
            Err(e) => return Err(e),
        }
        Ok(())
    }

    /// Every project × every global role: the role's actors in that project.
    async fn roles(
        &mut self,
        projects: &[String],
        roles: Result<Vec<crate::model::GlobalRole>, Error>,
        answers: Vec<(String, Result<crate::model::ProjectRole, Error>)>,
    ) -> Result<(), Error> {
        let roles = match roles {
            Ok(roles) => roles,
            Err(e) if e.is_refused() => {
                self.builder.coverage(Coverage::incomplete(
                    "grants:project-roles",
                    Some("project/{key}/role/{id}".into()),
                    format!("project roles could not be read ({e}); {NEEDS_ADMIN}"),
                ));
                return Ok(());
            }
            Err(e) => return Err(e),
        };
        self.role_names = roles.iter().map(|r| (r.id, r.name.clone())).collect();
        let mut refused: Option<Error> = None;
        let mut unresolved: Vec<(String, String, String)> = Vec::new();
        for (project, answer) in answers {
            let role = match answer {
                Ok(role) => role,
                // This project does not have this global role.
                Err(e) if e.is_not_found() => continue,
                Err(e) if e.is_refused() => {
                    refused.get_or_insert(e);
                    continue;
                }
                Err(e) => return Err(e),
            };
            let resource = ResourceRef::Project(project.clone());
            let permission = format!("role:{}", role.name);
            for actor in role.actors {
                let name = actor.name.clone().unwrap_or_default();
                if actor.actor_type == GROUP_ACTOR {
                    self.builder.group(name.clone());
                    self.builder
                        .grant(resource.clone(), permission.clone(), Subject::Group(name));
                } else if actor.actor_type == USER_ACTOR {
                    if name.is_empty() {
                        self.builder.warning(format!(
                            "project {project}: role {:?} is held by a user deleted from the directory ({}); not listed",
                            role.name,
                            actor.display_name.unwrap_or_default()
                        ));
                        continue;
                    }
                    match self.by_username.get(&name.to_lowercase()) {
                        Some(key) => {
                            self.builder.grant(
                                resource.clone(),
                                permission.clone(),
                                Subject::Account(key.clone()),
                            );
                        }
                        None => unresolved.push((project.clone(), permission.clone(), name)),
                    }
                } else {
                    self.builder.warning(format!(
                        "project {project}: role {:?} has an actor of unknown type {:?}",
                        role.name, actor.actor_type
                    ));
                }
            }
        }
        // Actors the account phase did not see: look them up by username.
        for (project, permission, username) in unresolved {
            let key = match self.by_username.get(&username.to_lowercase()) {
                Some(key) => Some(key.clone()),
                None => match self.api.user_by_username(&username).await? {
                    Some(user) => self.add_user(user),
                    None => None,
                },
            };
            match key {
                Some(key) => {
                    self.builder.grant(
                        ResourceRef::Project(project),
                        permission,
                        Subject::Account(key),
                    );
                }
                None => {
                    self.builder.warning(format!(
                        "project {project}: {permission} names user {username:?}, who does not exist; not listed"
                    ));
                }
            }
        }
        self.builder.coverage(match refused {
            Some(e) => Coverage::incomplete(
                "grants:project-roles",
                Some("project/{key}/role/{id}".into()),
                format!("role actors could not be read ({e}); {NEEDS_ADMIN}"),
            ),
            // Holds for any data: every project × every global role was asked, each answer
            // whole (unpaged); a 404 only means that project lacks that role.
            None => Coverage::complete(
                "grants:project-roles",
                format!(
                    "project/{{key}}/role/{{id}} for {} projects × {} roles",
                    projects.len(),
                    roles.len()
                ),
            ),
        });
        Ok(())
    }

    /// Permission schemes: every scheme with its grants in one call, then each project's
    /// scheme id.
    async fn permission_schemes(
        &mut self,
        schemes: Result<crate::model::PermissionSchemes, Error>,
        assigned: Vec<(String, Result<crate::model::SchemeRef, Error>)>,
    ) -> Result<(), Error> {
        let schemes = match schemes {
            Ok(s) => s,
            Err(e) if e.is_refused() => {
                self.builder.coverage(Coverage::incomplete(
                    "grants:permission-schemes",
                    Some("permissionscheme".into()),
                    format!("permission schemes could not be read ({e}); {NEEDS_ADMIN}"),
                ));
                return Ok(());
            }
            Err(e) => return Err(e),
        };
        let role_names = if self.role_names.is_empty() {
            match self.api.roles().await {
                Ok(roles) => roles.into_iter().map(|r| (r.id, r.name)).collect(),
                Err(_) => HashMap::new(),
            }
        } else {
            self.role_names.clone()
        };
        let by_id: HashMap<u64, Vec<crate::model::PermissionGrant>> = schemes
            .permission_schemes
            .into_iter()
            .map(|s| (s.id, s.permissions.unwrap_or_default()))
            .collect();
        let mut refused: Option<Error> = None;
        let mut missing_schemes = 0usize;
        for (project, scheme) in assigned {
            let scheme = match scheme {
                Ok(s) => s,
                Err(e) if e.is_refused() => {
                    refused.get_or_insert(e);
                    continue;
                }
                Err(e) => return Err(e),
            };
            let Some(grants) = by_id.get(&scheme.id) else {
                missing_schemes += 1;
                self.builder.warning(format!(
                    "project {project} uses permission scheme {} that the scheme list does not hold",
                    scheme.id
                ));
                continue;
            };
            let resource = ResourceRef::Project(project.clone());
            for grant in grants {
                match self.holder_subject(&grant.holder, &role_names).await? {
                    Some(subject) => {
                        self.builder
                            .grant(resource.clone(), grant.permission.clone(), subject);
                    }
                    None => {
                        self.builder.warning(format!(
                            "project {project}: {} is granted to a {} holder {:?} that does not exist; not listed",
                            grant.permission, grant.holder.holder_type, grant.holder.parameter
                        ));
                    }
                }
            }
        }
        self.builder.coverage(match (refused, missing_schemes) {
            (Some(e), _) => Coverage::incomplete(
                "grants:permission-schemes",
                Some("permissionscheme, project/{key}/permissionscheme".into()),
                format!("project permission schemes could not be read ({e}); {NEEDS_ADMIN}"),
            ),
            (None, n) if n > 0 => Coverage::incomplete(
                "grants:permission-schemes",
                Some("permissionscheme, project/{key}/permissionscheme".into()),
                format!("{n} projects use a scheme the scheme list does not hold"),
            ),
            // Holds for any data: every scheme with its grants in one unpaged answer, and every
            // project's scheme id, none refused or missing from the list.
            (None, _) => Coverage::complete(
                "grants:permission-schemes",
                "permissionscheme?expand=permissions, project/{key}/permissionscheme",
            ),
        });
        Ok(())
    }

    /// The spec's subject for a holder; `None` for a holder naming nothing that exists.
    async fn holder_subject(
        &mut self,
        holder: &Holder,
        role_names: &HashMap<u64, String>,
    ) -> Result<Option<Subject>, Error> {
        let parameter = holder.parameter.as_deref().filter(|p| !p.is_empty());
        Ok(Some(match (holder.holder_type.as_str(), parameter) {
            ("group", Some(name)) => {
                self.builder.group(name.to_owned());
                Subject::Group(name.to_owned())
            }
            // A group holder without a group is Jira's legacy "Anyone".
            ("group", None) | ("anyone", _) => Subject::Anonymous,
            ("user", Some(key)) => {
                if self.builder.account_by_key(key).is_none() {
                    match self.api.user_by_key(key).await? {
                        Some(user) => {
                            self.add_user(user);
                        }
                        None => return Ok(None),
                    }
                }
                Subject::Account(key.to_owned())
            }
            ("projectRole", Some(id)) => {
                let name = holder
                    .project_role
                    .as_ref()
                    .map(|r| r.name.clone())
                    .or_else(|| {
                        id.parse()
                            .ok()
                            .and_then(|id: u64| role_names.get(&id).cloned())
                    });
                match name {
                    Some(name) => Subject::Role(name),
                    None => return Ok(None),
                }
            }
            ("applicationRole", Some(key)) => Subject::Application(key.to_owned()),
            // Without an application: any logged-in user with any application access.
            ("applicationRole", None) => Subject::Authenticated,
            (other, Some(p)) => Subject::Special(format!("{other}:{p}")),
            (other, None) => Subject::Special(other.to_owned()),
        }))
    }
}
