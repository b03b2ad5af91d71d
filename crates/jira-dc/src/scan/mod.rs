//! [`scan_into`]: one Jira Data Center into one inventory sink, with honest coverage; [`scan`]
//! is the collecting case.
//!
//! Order and why: groups first (the picker, checked against its `total`), then every group's
//! members (most accounts are known after this), then accounts (`user/list` where the server
//! has it, else `user/search?username=.` and, where that proves nothing, a prefix sweep),
//! projects, role actors, application roles and permission schemes; the accounts' verdict
//! last, since a proof needs every account seen anywhere. A collection the token may not read is
//! reported incomplete with the reason and the fix; the scan goes on.

use std::collections::HashMap;

use atlassian_core::applinks::optional_manifest;
use atlassian_core::inventory::{
    CollectSink, InventorySink, InventorySummary, System, normalize_login_time,
};
use atlassian_core::scan::begin_inventory;
use atlassian_core::{Account, Error, Inventory, InventoryBuilder, Product};
use futures::FutureExt;

use crate::api::JiraClient;
use crate::group_sweep::PICKER_MAX;
use crate::model::{MyPermissions, ServerInfo, User};
use crate::wildcard::SearchCaps;

mod accounts;
mod people;
mod projects;

use accounts::{AccountsRoute, FirstRead};
use projects::ProjectAnswers;

pub use atlassian_core::scan::{Progress, ProgressFn, ScanOptions};

/// Scans the whole instance into `sink`: the header first, memberships as they are found, the
/// other records sorted and then [`InventorySink::finish`] at the end. A scan that fails or is
/// dropped never reaches `finish`, so nothing partial is marked complete.
pub async fn scan_into(
    api: &JiraClient,
    options: &ScanOptions,
    sink: &mut dyn InventorySink,
) -> Result<InventorySummary, Error> {
    Scanner::start(api, options, sink).await?.run().await
}

/// Scans the whole instance and returns its inventory.
pub async fn scan(api: &JiraClient, options: &ScanOptions) -> Result<Inventory, Error> {
    let mut sink = CollectSink::new();
    scan_into(api, options, &mut sink).await?;
    Ok(sink.into_inventory()?)
}

struct Scanner<'a> {
    api: &'a JiraClient,
    options: &'a ScanOptions,
    /// Where the records go: memberships as they are found, the rest at the end.
    sink: &'a mut dyn InventorySink,
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

/// The fix to name when the token's owner lacks administrator rights.
const NEEDS_ADMIN: &str = "the token must belong to a Jira administrator";
/// The fix to name when the token's owner lacks Browse Users.
const NEEDS_BROWSE: &str = "grant the Browse Users global permission to the service account";

impl<'a> Scanner<'a> {
    async fn start(
        api: &'a JiraClient,
        options: &'a ScanOptions,
        sink: &'a mut dyn InventorySink,
    ) -> Result<Self, Error> {
        let client = api.client();
        // Five independent questions: one round trip, not five.
        let (info, manifest, me, permissions, picker) = futures::join!(
            api.server_info(),
            optional_manifest(client),
            api.myself(),
            api.my_permissions(),
            api.group_picker("", PICKER_MAX)
        );
        let info = info?;
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
        let scanned_as = me.scanned_as();
        let parallelism = client.stats().max_concurrency * 2;
        let mut scanner = Self {
            api,
            options,
            info,
            permissions,
            builder: begin_inventory(system, scanned_as, &mut *sink)?,
            sink,
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
        self.options.report(self.api.client(), phase, done, total);
    }

    /// Adds (or completes) an account from a user bean; returns its key.
    fn add_user(&mut self, user: User) -> Option<String> {
        let User {
            key,
            name,
            display_name,
            email_address,
            active,
            last_login_time,
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
                && (a.last_login.is_some() || last_login_time.is_none())
        }) {
            return Some(key);
        }
        let mut account = Account::new(key.clone());
        account.username = name.filter(|n| !n.is_empty());
        account.display_name = display_name.filter(|n| !n.is_empty());
        account.email = email_address.filter(|e| !e.is_empty());
        account.active = active;
        account.last_login = last_login_time.as_deref().and_then(normalize_login_time);
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

    async fn run(mut self) -> Result<InventorySummary, Error> {
        // The project side is read while the people side runs: the people side is a chain
        // (groups, then members, then accounts, whose sweep waits on its own answers), and the
        // project side's thousands of independent requests fill the gaps. Its answers are
        // mapped afterwards, when every account is known.
        let fetch = ProjectAnswers::fetch(self.api, self.options, self.parallelism);
        let api = self.api;
        let caps = SearchCaps::for_major(self.info.version().major);
        let people = async {
            let groups = self.groups().await?;
            // The accounts' first read needs nothing the members bring.
            let (members, first) =
                futures::join!(self.memberships(&groups), FirstRead::fetch(api, caps));
            members?;
            self.accounts(first?).await
        };
        let ((), answers) = futures::future::try_join(people, fetch.map(Ok)).await?;
        self.project_side(answers).await?;
        let accounts = self.accounts_coverage().await?;
        self.builder.coverage(accounts);
        self.rights_unchanged().await?;
        Ok(self.builder.build_into(self.sink)?)
    }

    /// The token's global rights, asked again at the end. A token whose owner leaves the
    /// administrators (or loses Browse Users) mid-scan is not refused by every listing: some
    /// answer with less. Rights the same at both ends (and changes that do not undo themselves
    /// within the scan) mean every answer in between was given with them.
    async fn rights_unchanged(&self) -> Result<(), Error> {
        if !self.permissions.is_known() {
            return Ok(());
        }
        let now = self.api.my_permissions().await?;
        let lost: Vec<&str> = ["SYSTEM_ADMIN", "ADMINISTER", "USER_PICKER"]
            .into_iter()
            .filter(|key| self.permissions.has(key) && !now.has(key))
            .collect();
        if lost.is_empty() {
            return Ok(());
        }
        Err(Error::RightsChanged {
            method: atlassian_core::Method::GET,
            path: "/rest/api/2/mypermissions".to_owned(),
            detail: format!("held at the start, not at the end: {}", lost.join(", ")),
        })
    }
}
