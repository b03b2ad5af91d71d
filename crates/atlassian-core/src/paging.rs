//! Paged collections as `Stream`s, one state machine for the four paging styles the servers
//! use:
//!
//! | style | shape | how it ends |
//! |---|---|---|
//! | [`PagingStyle::JiraPageBean`] | `{startAt, maxResults, total, isLast, values}` | `isLast` (checked against `total`), an empty page |
//! | [`PagingStyle::JiraArray`] | a bare array, `startAt`/`maxResults` | an empty page |
//! | [`PagingStyle::JiraCursor`] | `{values, isLast, nextCursor}` | `isLast`, no or a repeated cursor, an empty page |
//! | [`PagingStyle::Confluence`] | `{results, start, limit, size, _links.next}` | no `next`, an empty page |
//!
//! Rules common to all, because the servers lie in all the ways the reference documents:
//! the next offset is the previous one plus the items actually received (servers silently lower
//! page sizes); server-supplied links are never followed — the next page's URL is rebuilt from
//! the base URL, so a link to another origin cannot take the token there; every item is
//! de-duplicated by a key, and a page that brings nothing new ends the stream, so a `next` that
//! points back at the same page cannot loop forever.

use std::collections::{HashSet, VecDeque};
use std::sync::{Arc, Mutex};

use futures::stream::{self, FuturesOrdered, Stream, StreamExt, TryStreamExt};
use serde::Deserialize;
use serde::de::DeserializeOwned;

use crate::Error;
use crate::client::{Client, Request, Response};

/// How a collection is paged.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PagingStyle {
    /// Jira's PageBean (`group/member`).
    JiraPageBean,
    /// Jira's bare arrays with `startAt` (`user/search`).
    JiraArray,
    /// Jira's cursors (`user/list`).
    JiraCursor,
    /// Confluence's `start`/`limit` envelope with `_links.next`.
    Confluence,
}

impl PagingStyle {
    fn offset_param(self) -> &'static str {
        match self {
            Self::JiraPageBean | Self::JiraArray => "startAt",
            Self::JiraCursor => "cursor",
            Self::Confluence => "start",
        }
    }

    fn size_param(self) -> &'static str {
        match self {
            Self::Confluence => "limit",
            _ => "maxResults",
        }
    }
}

/// One page as received.
#[derive(Debug)]
pub struct Page<T> {
    /// The items new to this stream (duplicates of earlier pages removed).
    pub items: Vec<T>,
    /// How many items the server sent on this page, duplicates included.
    pub received: usize,
    /// The offset this page was asked for (`0` for cursor paging).
    pub offset: u64,
    /// The collection's size, where the server states it (`total`, `totalCount`).
    pub total: Option<u64>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct PageBean<T> {
    #[serde(default = "Vec::new")]
    values: Vec<T>,
    #[serde(default)]
    is_last: Option<bool>,
    #[serde(default)]
    total: Option<u64>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct CursorPage<T> {
    #[serde(default = "Vec::new")]
    values: Vec<T>,
    #[serde(default)]
    is_last: Option<bool>,
    /// A string in the spec, a number on some servers.
    #[serde(default)]
    next_cursor: Option<serde_json::Value>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ConfluencePage<T> {
    #[serde(default = "Vec::new")]
    results: Vec<T>,
    #[serde(default, rename = "_links")]
    links: ConfluenceLinks,
    #[serde(default)]
    total_count: Option<u64>,
}

#[derive(Default, Deserialize)]
struct ConfluenceLinks {
    #[serde(default)]
    next: Option<String>,
}

/// What a server said of a collection's size while its pages were read: the sizes stated by
/// the first and the latest page. A size that changed means items were added or removed
/// during the read, and offset paging may then have skipped some (a removal before the next
/// offset moves an item back past it); de-duplication keeps repeats out either way. Shared:
/// clones watch the same read.
#[derive(Clone, Debug, Default)]
pub struct TotalWatch(Arc<Mutex<Option<Totals>>>);

#[derive(Clone, Copy, Debug)]
struct Totals {
    first: u64,
    latest: u64,
    /// Any page stated another total than the first (a total that went and came back too).
    changed: bool,
}

impl TotalWatch {
    /// A new watch, to give to [`items_watched`].
    pub fn new() -> Self {
        Self::default()
    }

    fn observe(&self, total: u64) {
        let mut seen = self.0.lock().unwrap_or_else(|p| p.into_inner());
        match &mut *seen {
            None => {
                *seen = Some(Totals {
                    first: total,
                    latest: total,
                    changed: false,
                })
            }
            Some(totals) => {
                totals.changed |= total != totals.first;
                totals.latest = total;
            }
        }
    }

    /// `(first, latest)` stated sizes when any page stated another size than the first: the
    /// collection moved while it was read.
    pub fn moved(&self) -> Option<(u64, u64)> {
        let seen = *self.0.lock().unwrap_or_else(|p| p.into_inner());
        seen.filter(|t| t.changed).map(|t| (t.first, t.latest))
    }
}

/// Where the next page is, or that there is none.
enum Next {
    Offset(u64),
    Cursor(String),
    /// The next of the pages being read ahead.
    ReadAhead,
    Done,
}

/// Pages requested at once when a PageBean states its `total` (a 50,000-member group is 1,000
/// pages: read one by one they would take 1,000 round trips end to end).
const READ_AHEAD: usize = 8;

type PageFuture = futures::future::BoxFuture<'static, (u64, Result<Response, Error>)>;

struct PagerState<T, K> {
    client: Client,
    request: Request,
    style: PagingStyle,
    page_size: u32,
    key: K,
    seen: HashSet<String>,
    cursors_used: HashSet<String>,
    next: Option<Next>,
    /// PageBean read-ahead: offsets still to ask for, pages asked for (in order), the page
    /// size the server uses and the stated total.
    planned: VecDeque<u64>,
    ahead: FuturesOrdered<PageFuture>,
    server_page: u64,
    stated_total: u64,
    watch: Option<TotalWatch>,
    _item: std::marker::PhantomData<fn() -> T>,
}

/// A stream of the pages of a collection.
///
/// `request` is the first page's request without paging parameters; `page_size` is asked for
/// (the server may give fewer); `key` names an item for de-duplication.
pub fn pages<T, K>(
    client: &Client,
    request: Request,
    style: PagingStyle,
    page_size: u32,
    key: K,
) -> impl Stream<Item = Result<Page<T>, Error>> + Send + 'static
where
    T: DeserializeOwned + Send + 'static,
    K: Fn(&T) -> String + Send + 'static,
{
    pages_watched(client, request, style, page_size, key, None)
}

fn pages_watched<T, K>(
    client: &Client,
    request: Request,
    style: PagingStyle,
    page_size: u32,
    key: K,
    watch: Option<TotalWatch>,
) -> impl Stream<Item = Result<Page<T>, Error>> + Send + 'static
where
    T: DeserializeOwned + Send + 'static,
    K: Fn(&T) -> String + Send + 'static,
{
    let state = PagerState {
        client: client.clone(),
        request,
        style,
        page_size: page_size.max(1),
        key,
        seen: HashSet::new(),
        cursors_used: HashSet::new(),
        next: Some(match style {
            PagingStyle::JiraCursor => Next::Cursor(String::new()),
            _ => Next::Offset(0),
        }),
        planned: VecDeque::new(),
        ahead: FuturesOrdered::new(),
        server_page: 0,
        stated_total: 0,
        watch,
        _item: std::marker::PhantomData,
    };
    stream::try_unfold(state, |mut state| async move {
        match state.next.take() {
            None | Some(Next::Done) => Ok(None),
            Some(position) => {
                let page = state.fetch(position).await?;
                Ok(Some((page, state)))
            }
        }
    })
}

/// A stream of the items of a collection (see [`pages`]).
pub fn items<T, K>(
    client: &Client,
    request: Request,
    style: PagingStyle,
    page_size: u32,
    key: K,
) -> impl Stream<Item = Result<T, Error>> + Send + 'static
where
    T: DeserializeOwned + Send + 'static,
    K: Fn(&T) -> String + Send + 'static,
{
    items_watched(client, request, style, page_size, key, None)
}

/// As [`items`], telling `watch` the sizes the server stated on the way (see [`TotalWatch`]).
pub fn items_watched<T, K>(
    client: &Client,
    request: Request,
    style: PagingStyle,
    page_size: u32,
    key: K,
    watch: Option<TotalWatch>,
) -> impl Stream<Item = Result<T, Error>> + Send + 'static
where
    T: DeserializeOwned + Send + 'static,
    K: Fn(&T) -> String + Send + 'static,
{
    pages_watched(client, request, style, page_size, key, watch)
        .map_ok(|page| stream::iter(page.items.into_iter().map(Ok)))
        .try_flatten()
}

impl<T, K> PagerState<T, K>
where
    T: DeserializeOwned,
    K: Fn(&T) -> String,
{
    fn offset_request(&self, offset: u64) -> Request {
        let mut request = self.request.clone();
        request.set_query(self.style.size_param(), self.page_size);
        request.set_query(self.style.offset_param(), offset);
        request
    }

    async fn fetch(&mut self, position: Next) -> Result<Page<T>, Error> {
        let (offset, response) = match &position {
            Next::Offset(offset) => {
                let request = self.offset_request(*offset);
                (*offset, self.client.send(&request).await)
            }
            Next::Cursor(cursor) => {
                let mut request = self.request.clone();
                request.set_query(self.style.size_param(), self.page_size);
                // The first call goes without a cursor.
                if !cursor.is_empty() {
                    request.set_query(self.style.offset_param(), cursor);
                }
                (0, self.client.send(&request).await)
            }
            Next::ReadAhead => {
                while self.ahead.len() < READ_AHEAD {
                    let Some(offset) = self.planned.pop_front() else {
                        break;
                    };
                    let client = self.client.clone();
                    let request = self.offset_request(offset);
                    self.ahead.push_back(Box::pin(
                        async move { (offset, client.send(&request).await) },
                    ));
                }
                self.ahead
                    .next()
                    .await
                    .expect("read-ahead is only chosen with pages planned")
            }
            Next::Done => unreachable!("a finished pager fetches nothing"),
        };
        let response = response?.error_for_status()?;
        let (raw_items, total, next) = match self.style {
            PagingStyle::JiraPageBean => {
                let page: PageBean<T> = response.json()?;
                let received = page.values.len() as u64;
                let end = offset + received;
                let mut next = match (page.is_last, page.total) {
                    // `isLast` can lie in both directions: believe `total` when it says more.
                    (Some(true), Some(total)) if end < total => {
                        tracing::debug!(
                            "{}: isLast at {end} of a stated total {total}; reading on",
                            response.path()
                        );
                        Next::Offset(end)
                    }
                    (Some(true), _) => Next::Done,
                    (None, Some(total)) if end >= total => Next::Done,
                    _ => Next::Offset(end),
                };
                if matches!(position, Next::ReadAhead) {
                    let irregular = received < self.server_page && end < self.stated_total;
                    if irregular {
                        // A short page in the middle: the plan no longer holds; go on one page
                        // at a time from what was really received.
                        self.planned.clear();
                        self.ahead = FuturesOrdered::new();
                    } else if !self.planned.is_empty() || !self.ahead.is_empty() {
                        next = Next::ReadAhead;
                    }
                } else if offset == 0
                    && received > 0
                    && let (Next::Offset(_), Some(total)) = (&next, page.total)
                {
                    // The stated total and the page size the server chose give every
                    // remaining offset: ask for them concurrently.
                    self.server_page = received;
                    self.stated_total = total;
                    self.planned = (end..total).step_by(received as usize).collect();
                    if !self.planned.is_empty() {
                        next = Next::ReadAhead;
                    }
                }
                (page.values, page.total, next)
            }
            PagingStyle::JiraArray => {
                let values: Vec<T> = response.json()?;
                let end = offset + values.len() as u64;
                (values, None, Next::Offset(end))
            }
            PagingStyle::JiraCursor => {
                let page: CursorPage<T> = response.json()?;
                let cursor = page.next_cursor.as_ref().and_then(|c| match c {
                    serde_json::Value::String(s) if !s.is_empty() => Some(s.clone()),
                    serde_json::Value::Number(n) => Some(n.to_string()),
                    _ => None,
                });
                if let Next::Cursor(used) = &position {
                    self.cursors_used.insert(used.clone());
                }
                let next = match (page.is_last, cursor) {
                    (Some(true), _) | (_, None) => Next::Done,
                    (_, Some(cursor)) if self.cursors_used.contains(&cursor) => {
                        tracing::warn!(
                            "{}: the server returned a cursor it gave before; stopping",
                            response.path()
                        );
                        Next::Done
                    }
                    (_, Some(cursor)) => Next::Cursor(cursor),
                };
                (page.values, None, next)
            }
            PagingStyle::Confluence => {
                let page: ConfluencePage<T> = response.json()?;
                let end = offset + page.results.len() as u64;
                // Only the existence of `next` is used: its `start` can be wrong on capped
                // pages, and its host is the server's configured base URL.
                let next = if page.links.next.is_some() {
                    Next::Offset(end)
                } else {
                    Next::Done
                };
                (page.results, page.total_count, next)
            }
        };
        if let (Some(watch), Some(total)) = (&self.watch, total) {
            watch.observe(total);
        }
        let received = raw_items.len();
        let mut items = Vec::with_capacity(received);
        for item in raw_items {
            if self.seen.insert((self.key)(&item)) {
                items.push(item);
            }
        }
        self.next = Some(if received == 0 {
            Next::Done
        } else if items.is_empty() {
            tracing::warn!(
                "{}: a page of {received} items all seen before; stopping",
                response.path()
            );
            Next::Done
        } else {
            next
        });
        Ok(Page {
            items,
            received,
            offset,
            total,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::TotalWatch;

    #[test]
    fn a_total_that_changes_and_comes_back_still_moved() {
        let watch = TotalWatch::new();
        assert_eq!(watch.moved(), None);
        for total in [212, 212] {
            watch.observe(total);
        }
        assert_eq!(watch.moved(), None);
        watch.observe(197);
        assert_eq!(watch.moved(), Some((212, 197)));
        // Members that left and others that came: the same total again, offsets shifted all
        // the same.
        watch.observe(212);
        assert_eq!(watch.clone().moved(), Some((212, 212)));
    }
}
