//! [`CsrfLayer`]: Django's `CsrfViewMiddleware` as a tower layer.

use core::fmt;
use core::future::Future;
use core::pin::Pin;
use core::task::{Context, Poll};
use std::sync::Arc;

use ::http::header::{CONTENT_LENGTH, CONTENT_TYPE};
use ::http::request::Parts;
use ::http::{HeaderMap, HeaderValue, Request, Response, StatusCode, Uri};
use axum::body::Bytes;
use tower_layer::Layer;
use tower_service::Service;

use super::check::{CsrfRejection, CsrfRequest, check_before_token, check_token, is_safe_method};
use super::config::{CsrfConfig, CsrfConfigError};
use super::form::{FormError, form_kind, form_token};
use super::handle::{CSRF_SESSION_KEY, CsrfHandle, CsrfState};
use crate::http::SessionHandle;

/// Put in a request's extensions (by a layer outside the [`CsrfLayer`])
/// to skip the checks for it, as Django's `@csrf_exempt` does: the
/// request still gets its [`CsrfHandle`], and the cookie is still sent
/// when the handler asks for a token. [`CsrfLayer::with_exempt_when`]
/// does the same from a predicate.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CsrfExempt;

/// Decides, from the request's head, that a request is exempt.
type ExemptWhen = Arc<dyn Fn(&Parts) -> bool + Send + Sync>;

struct Shared {
    config: CsrfConfig,
    exempt_when: Option<ExemptWhen>,
}

/// A tower [`Layer`] with the semantics of Django's `CsrfViewMiddleware`.
///
/// For every request it reads the secret (the CSRF cookie, or with
/// [`CSRF_USE_SESSIONS`](CsrfConfig::with_use_sessions) the session's
/// `_csrftoken`, through the [`SessionHandle`] of a
/// [`SessionLayer`](crate::http::SessionLayer) that must then be outside
/// this one) and puts a [`CsrfHandle`] in the request's extensions. A
/// request whose method is not safe (`GET`, `HEAD`, `OPTIONS`, `TRACE`)
/// and that is not exempt is then [checked](super::check) as Django does,
/// with the token from the `csrfmiddlewaretoken` field of a `POST` form
/// (`application/x-www-form-urlencoded` or `multipart/form-data`) or from
/// the `X-CSRFToken` header. A failed check answers `403 Forbidden`, its
/// plain-text body holding Django's reason and the [`CsrfRejection`] in
/// the response's extensions, and is logged (`tracing::warn!`, as
/// Django's `django.security.csrf` logger does). On the way out, the
/// cookie (or the session value) is sent when it needs to be: a new
/// secret, [`CsrfHandle::token`] called, or [`CsrfHandle::rotate`]; the
/// cookie comes with `Vary: Cookie`.
///
/// The form body is read into memory to find the field, up to
/// [`max_body_size`](CsrfConfig::with_max_body_size) (2.5 MiB, Django's
/// `DATA_UPLOAD_MAX_MEMORY_SIZE`), and handed on unchanged (trailers
/// dropped). A larger body is refused with `413 Payload Too Large`, a
/// form with too many fields or a malformed multipart body with `400`
/// (Django answers `400` to all three), and an unreadable body with
/// `400`. Large uploads can send the token in the header instead, with
/// the cap raised, or be exempted.
///
/// ```
/// use axum::{Router, routing::get};
/// use signed_session::django::csrf::{CsrfConfig, CsrfHandle, CsrfLayer};
///
/// async fn form(csrf: CsrfHandle) -> String {
///     format!(r#"<input type="hidden" name="csrfmiddlewaretoken" value="{}">"#, csrf.token())
/// }
///
/// let csrf = CsrfLayer::new(CsrfConfig::new().with_cookie_secure(true))?
///     // Django's @csrf_exempt, by path.
///     .with_exempt_when(|head| head.uri.path().starts_with("/webhooks/"));
/// let app: Router = Router::new().route("/form", get(form).post(form)).layer(csrf);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone)]
pub struct CsrfLayer {
    shared: Arc<Shared>,
}

impl fmt::Debug for CsrfLayer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CsrfLayer")
            .field("config", &self.shared.config)
            .field("exempt_when", &self.shared.exempt_when.is_some())
            .finish()
    }
}

impl CsrfLayer {
    /// A layer with `config`, [validated](CsrfConfig::validate).
    ///
    /// # Errors
    /// The [`CsrfConfigError`] of [`CsrfConfig::validate`].
    pub fn new(config: CsrfConfig) -> Result<Self, CsrfConfigError> {
        config.validate()?;
        Ok(Self {
            shared: Arc::new(Shared {
                config,
                exempt_when: None,
            }),
        })
    }

    /// Exempts the requests for which `predicate` holds (Django's
    /// `@csrf_exempt`; see [`CsrfExempt`]). A route group can also be
    /// exempted by giving it a layer with `with_exempt_when(|_| true)`.
    #[must_use]
    pub fn with_exempt_when(
        self,
        predicate: impl Fn(&Parts) -> bool + Send + Sync + 'static,
    ) -> Self {
        Self {
            shared: Arc::new(Shared {
                config: self.shared.config.clone(),
                exempt_when: Some(Arc::new(predicate)),
            }),
        }
    }

    /// The settings the layer applies.
    pub fn config(&self) -> &CsrfConfig {
        &self.shared.config
    }
}

impl<S> Layer<S> for CsrfLayer {
    type Service = CsrfService<S>;

    fn layer(&self, inner: S) -> Self::Service {
        CsrfService {
            inner,
            shared: Arc::clone(&self.shared),
        }
    }
}

/// The [`Service`] made by [`CsrfLayer`].
#[derive(Clone)]
pub struct CsrfService<S> {
    inner: S,
    shared: Arc<Shared>,
}

impl<S> fmt::Debug for CsrfService<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CsrfService").finish_non_exhaustive()
    }
}

/// The response future of [`CsrfService`].
pub type CsrfFuture<B, E> = Pin<Box<dyn Future<Output = Result<Response<B>, E>> + Send>>;

impl<S, ReqBody, ResBody> Service<Request<ReqBody>> for CsrfService<S>
where
    S: Service<Request<ReqBody>, Response = Response<ResBody>> + Clone + Send + 'static,
    S::Future: Send + 'static,
    S::Error: Send + 'static,
    ReqBody: http_body::Body<Data = Bytes> + From<Bytes> + Send + 'static,
    ReqBody::Error: fmt::Display,
    ResBody: From<String> + Send + 'static,
{
    type Response = Response<ResBody>;
    type Error = S::Error;
    type Future = CsrfFuture<ResBody, S::Error>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request<ReqBody>) -> Self::Future {
        // The service that was polled ready is the one called.
        let ready = self.inner.clone();
        let mut inner = core::mem::replace(&mut self.inner, ready);
        let shared = Arc::clone(&self.shared);
        Box::pin(async move {
            let (mut parts, body) = request.into_parts();
            let config = &shared.config;
            let session = parts.extensions.get::<SessionHandle>().cloned();
            let session_secret = match (&session, config.use_sessions()) {
                (_, false) => None,
                (None, true) => {
                    tracing::error!("{MISSING_SESSION}");
                    return Ok(text_response(
                        StatusCode::INTERNAL_SERVER_ERROR,
                        MISSING_SESSION.to_owned(),
                    ));
                }
                (Some(session), true) => session
                    .get(CSRF_SESSION_KEY)
                    .and_then(|v| v.as_str().map(str::to_owned)),
            };
            let tls = is_tls(&parts.uri, config);
            let authority = parts.uri.authority().map(|a| a.as_str().to_owned());
            let head = Head {
                tls,
                authority: authority.as_deref(),
                session_secret: session_secret.as_deref(),
            };
            let state = match CsrfState::load(config, &head.view(&parts)) {
                Ok(state) => state,
                Err(error) => {
                    tracing::error!(error = %crate::error::report(&error), "no CSRF secret");
                    return Ok(text_response(
                        StatusCode::INTERNAL_SERVER_ERROR,
                        "no CSRF secret could be made".to_owned(),
                    ));
                }
            };
            let handle = CsrfHandle::new(state);
            let exempt = parts.extensions.get::<CsrfExempt>().is_some()
                || shared.exempt_when.as_ref().is_some_and(|f| f(&parts));
            let outcome = if exempt || is_safe_method(&parts.method) {
                Ok(body)
            } else {
                verify(config, &parts, &head, body).await
            };
            parts.extensions.insert(handle.clone());
            let mut response = match outcome {
                Ok(body) => inner.call(Request::from_parts(parts, body)).await?,
                Err(refusal) => refusal.into_response(),
            };
            handle.finish(config, session.as_ref(), response.headers_mut());
            Ok(response)
        })
    }
}

const MISSING_SESSION: &str = "CSRF_USE_SESSIONS is on, but the request has no session: \
     put the SessionLayer outside the CsrfLayer (Django: SessionMiddleware must appear before \
     CsrfViewMiddleware)";

/// How the request arrived, beside its head.
struct Head<'a> {
    tls: bool,
    authority: Option<&'a str>,
    session_secret: Option<&'a str>,
}

impl<'a> Head<'a> {
    fn view(&self, parts: &'a Parts) -> CsrfRequest<'a> {
        CsrfRequest::new(&parts.method, &parts.headers)
            .with_tls(self.tls)
            .with_authority(self.authority)
            .with_session_secret(self.session_secret)
    }
}

/// Whether the connection is HTTPS: the URI's scheme when it has one
/// (HTTP/2, absolute form), else [`CsrfConfig::https`].
fn is_tls(uri: &Uri, config: &CsrfConfig) -> bool {
    match uri.scheme_str() {
        Some(scheme) => scheme.eq_ignore_ascii_case("https"),
        None => config.https(),
    }
}

/// Why the handler is not called.
enum Refusal {
    Csrf(CsrfRejection),
    Body(StatusCode, &'static str),
}

impl Refusal {
    fn into_response<B: From<String>>(self) -> Response<B> {
        match self {
            Refusal::Csrf(rejection) => {
                let body = format!(
                    "Forbidden (403)\nCSRF verification failed. Request aborted.\n\n{rejection}\n"
                );
                let mut response = text_response(StatusCode::FORBIDDEN, body);
                response.extensions_mut().insert(rejection);
                response
            }
            Refusal::Body(status, why) => text_response(status, format!("{why}\n")),
        }
    }
}

/// Django's `process_view` on a request that is neither safe nor exempt:
/// the body, read if the token may be in it, or the refusal.
async fn verify<B>(
    config: &CsrfConfig,
    parts: &Parts,
    head: &Head<'_>,
    body: B,
) -> Result<B, Refusal>
where
    B: http_body::Body<Data = Bytes> + From<Bytes>,
    B::Error: fmt::Display,
{
    let view = head.view(parts);
    let reject = |rejection: CsrfRejection| {
        tracing::warn!(
            reason = %rejection,
            kind = %rejection.kind(),
            path = parts.uri.path(),
            "Forbidden (CSRF)"
        );
        Refusal::Csrf(rejection)
    };
    let secret = check_before_token(config, &view).map_err(reject)?;
    let is_post = parts.method.as_str().eq_ignore_ascii_case("POST");
    let (body, token) = match form_kind(&parts.headers).filter(|_| is_post) {
        None => (body, None),
        Some(kind) => {
            let bytes = read_body(body, config.max_body_size(), &parts.headers).await?;
            let token = form_token(&kind, &bytes, config.max_form_fields()).map_err(|e| {
                let why = match e {
                    FormError::TooManyFields => {
                        "400 Bad Request: the form has more fields than DATA_UPLOAD_MAX_NUMBER_FIELDS"
                    }
                    FormError::Malformed => "400 Bad Request: the multipart form does not parse",
                };
                tracing::warn!(path = parts.uri.path(), "{why}");
                Refusal::Body(StatusCode::BAD_REQUEST, why)
            })?;
            (B::from(bytes), token)
        }
    };
    check_token(config, &view.with_form_token(token.as_deref()), &secret).map_err(reject)?;
    Ok(body)
}

/// The whole body, at most `limit` bytes.
async fn read_body<B>(body: B, limit: usize, headers: &HeaderMap) -> Result<Bytes, Refusal>
where
    B: http_body::Body<Data = Bytes>,
    B::Error: fmt::Display,
{
    const TOO_LARGE: &str =
        "413 Payload Too Large: the form is larger than DATA_UPLOAD_MAX_MEMORY_SIZE";
    let too_large = || Refusal::Body(StatusCode::PAYLOAD_TOO_LARGE, TOO_LARGE);
    let declared = headers
        .get(CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok());
    let limit_u64 = u64::try_from(limit).unwrap_or(u64::MAX);
    if declared.is_some_and(|n| n > limit_u64) || body.size_hint().lower() > limit_u64 {
        return Err(too_large());
    }
    let mut body = core::pin::pin!(body);
    let mut collected: Vec<u8> = Vec::new();
    while let Some(frame) = core::future::poll_fn(|cx| body.as_mut().poll_frame(cx)).await {
        let frame = frame.map_err(|error| {
            tracing::warn!(%error, "the request body could not be read");
            Refusal::Body(
                StatusCode::BAD_REQUEST,
                "400 Bad Request: the request body could not be read",
            )
        })?;
        if let Ok(data) = frame.into_data() {
            if collected.len().saturating_add(data.len()) > limit {
                return Err(too_large());
            }
            collected.extend_from_slice(&data);
        }
    }
    Ok(Bytes::from(collected))
}

fn text_response<B: From<String>>(status: StatusCode, text: String) -> Response<B> {
    let mut response = Response::new(B::from(text));
    *response.status_mut() = status;
    response.headers_mut().insert(
        CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    response
}
