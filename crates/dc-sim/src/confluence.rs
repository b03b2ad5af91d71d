//! Confluence Data Center's REST API (`/rest/api`) and JSON-RPC, as the reference documents it.

use crate::server::{Call, Ctx, Reply};

/// Answers one request.
pub fn handle(_ctx: &Ctx<'_>, call: &Call<'_>) -> Reply {
    Reply::tomcat(404, format!("{} (unknown)", call.method), "Not Found")
}
