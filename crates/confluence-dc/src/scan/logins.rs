//! Last logins, where the server reports them: the administrator list of active users with
//! `expand=lastLogin` (reference §15: documented in the 10.2 reference, the endpoint since 9.3
//! under one of two paths). Optional knowledge: a server without it leaves every `last_login`
//! unknown, and an unreadable answer is a warning, never a failed scan.

use atlassian_core::inventory::normalize_login_time;
use atlassian_core::{Account, Error};
use futures::TryStreamExt;

use super::Scanner;
use crate::model::User;

/// Where the list may be, in the order tried.
const PATHS: [&str; 2] = [
    "/rest/api/admin/users/list/active",
    "/rest/api/user/list/active",
];

impl Scanner<'_> {
    pub(super) async fn last_logins(&mut self) -> Result<(), Error> {
        if !self.at_least(9, 3) {
            return Ok(());
        }
        for path in PATHS {
            match self.api.active_users(path).try_collect::<Vec<User>>().await {
                Ok(users) => {
                    for user in users {
                        let Some(key) = user.key().filter(|k| self.builder.has_account(k)) else {
                            continue;
                        };
                        let login = match &user.last_login {
                            Some(serde_json::Value::Number(n)) => {
                                normalize_login_time(&n.to_string())
                            }
                            Some(serde_json::Value::String(s)) => normalize_login_time(s),
                            _ => None,
                        };
                        if login.is_some() {
                            let mut account = Account::new(key);
                            account.last_login = login;
                            self.builder.account(account);
                        }
                    }
                    return Ok(());
                }
                Err(e) if e.is_not_found() => continue,
                Err(e) if e.is_refused() => {
                    tracing::debug!("last logins are for administrators only: {e}");
                    return Ok(());
                }
                Err(e) => {
                    self.builder.warning(format!(
                        "the last logins could not be read ({e}); none are listed"
                    ));
                    return Ok(());
                }
            }
        }
        Ok(())
    }
}
