//! [`ActixSession`]: the session middleware for actix-web 4, with exactly
//! the semantics of the tower layer (feature `actix`).

use core::future::{Future, Ready, ready};
use core::pin::Pin;
use std::rc::Rc;
use std::sync::Arc;

use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{Payload, Service, ServiceRequest, ServiceResponse, Transform};
use actix_web::http::StatusCode as ActixStatus;
use actix_web::http::header::{self as actix_header, HeaderName, HeaderValue};
use actix_web::{FromRequest, HttpMessage, HttpRequest, HttpResponse, ResponseError};

use super::config::OversizePolicy;
use super::handle::{MissingSessionLayer, SessionHandle, log_load_error, log_save_error};
use super::middleware::SessionMiddleware;

/// An actix-web middleware giving every request a session: it loads the
/// session from the request's cookie (awaiting the
/// [asynchronous revocation checks](SessionMiddleware::with_async_check),
/// if any), hands it to the handler as a [`SessionHandle`] (an actix-web
/// extractor, with the same API as under axum), and writes `Set-Cookie`,
/// `Vary` and `Cache-Control` on the response exactly as the tower
/// [`SessionLayer`](super::SessionLayer) does, which is Django's
/// `SessionMiddleware`: see [`SessionMiddleware`].
///
/// It is built from the same [`SessionMiddleware`] (keyring,
/// [`SessionConfig`](crate::SessionConfig) and
/// [`CookieConfig`](super::CookieConfig)) as the tower layer, so a service
/// moves between the two frameworks without changing its settings. When
/// the session cannot be sent (over the size budget, or not encodable) the
/// error is logged with `tracing::error!`, stored in the response's
/// extensions as a [`SaveError`](super::SaveError), and the
/// [`OversizePolicy`] decides the response: an empty `500` (the default)
/// or the handler's response without the cookie. A handler that panics
/// sends no response, so no cookie either.
///
/// ```
/// use actix_web::{App, web};
/// use signed_session::http::{ActixSession, CookieConfig, SessionHandle, SessionMiddleware};
/// use signed_session::{Keyring, Secret, SessionConfig};
///
/// async fn counter(session: SessionHandle) -> String {
///     let n = session.get_as::<u64>("n").ok().flatten().unwrap_or(0) + 1;
///     session.insert("n", n);
///     n.to_string()
/// }
///
/// let keys = Keyring::new(Secret::new("a long random secret")?);
/// let sessions = ActixSession::new(SessionMiddleware::new(
///     &keys,
///     SessionConfig::new(),
///     CookieConfig::new().with_secure(true),
/// )?);
/// let app = App::new().wrap(sessions).route("/", web::get().to(counter));
/// # let _ = app;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug)]
pub struct ActixSession {
    middleware: Arc<SessionMiddleware>,
}

impl ActixSession {
    /// A middleware around `middleware` (see [`SessionMiddleware::new`]).
    pub fn new(middleware: SessionMiddleware) -> Self {
        Self {
            middleware: Arc::new(middleware),
        }
    }

    /// The middleware (settings and codec) in use.
    pub fn middleware(&self) -> &SessionMiddleware {
        &self.middleware
    }
}

impl<S, B> Transform<S, ServiceRequest> for ActixSession
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = actix_web::Error> + 'static,
    B: MessageBody + 'static,
{
    type Response = ServiceResponse<EitherBody<B>>;
    type Error = actix_web::Error;
    type Transform = ActixSessionService<S>;
    type InitError = ();
    type Future = Ready<Result<Self::Transform, Self::InitError>>;

    fn new_transform(&self, service: S) -> Self::Future {
        ready(Ok(ActixSessionService {
            service: Rc::new(service),
            middleware: Arc::clone(&self.middleware),
        }))
    }
}

/// The service made by [`ActixSession`].
#[derive(Debug)]
pub struct ActixSessionService<S> {
    service: Rc<S>,
    middleware: Arc<SessionMiddleware>,
}

impl<S, B> Service<ServiceRequest> for ActixSessionService<S>
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = actix_web::Error> + 'static,
    B: MessageBody + 'static,
{
    type Response = ServiceResponse<EitherBody<B>>;
    type Error = actix_web::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Self::Response, Self::Error>>>>;

    actix_web::dev::forward_ready!(service);

    fn call(&self, request: ServiceRequest) -> Self::Future {
        let service = Rc::clone(&self.service);
        let middleware = Arc::clone(&self.middleware);
        Box::pin(async move {
            let cookies = cookie_headers(request.headers());
            let loaded = if middleware.has_async_checks() {
                middleware.load_async(&cookies).await
            } else {
                middleware.load(&cookies)
            };
            log_load_error(&loaded.session);
            let handle = SessionHandle::new(loaded.session, Arc::clone(&middleware));
            request.extensions_mut().insert(handle.clone());
            let mut response = service.call(request).await?;
            Ok(
                finish(&handle, loaded.had_cookie, &mut response).map_or_else(
                    || response.map_into_left_body(),
                    ServiceResponse::map_into_right_body,
                ),
            )
        })
    }
}

/// The request's `Cookie` headers, as the `http` crate's map the
/// framework-free middleware reads.
fn cookie_headers(headers: &actix_header::HeaderMap) -> ::http::HeaderMap {
    let mut out = ::http::HeaderMap::new();
    for value in headers.get_all(actix_header::COOKIE) {
        if let Ok(value) = ::http::HeaderValue::from_bytes(value.as_bytes()) {
            out.append(::http::header::COOKIE, value);
        }
    }
    out
}

/// The response headers the middleware reads and rewrites.
const MANAGED: [(&str, &::http::HeaderName); 3] = [
    ("vary", &::http::header::VARY),
    ("cache-control", &::http::header::CACHE_CONTROL),
    ("set-cookie", &::http::header::SET_COOKIE),
];

/// Runs Django's `process_response` on an actix response. Returns the
/// replacement response when the [`OversizePolicy`] replaces it.
#[expect(
    clippy::expect_used,
    reason = "actix-web's status codes are 100 to 999, which the http crate accepts"
)]
fn finish<B>(
    handle: &SessionHandle,
    had_cookie: bool,
    response: &mut ServiceResponse<B>,
) -> Option<ServiceResponse<actix_web::body::BoxBody>> {
    let middleware = handle.middleware();
    // The headers it merges into, carried over to the `http` crate's map
    // and back (actix-web 4 has its own header types).
    let mut headers = ::http::HeaderMap::new();
    for (name, http_name) in MANAGED {
        for value in response.headers().get_all(HeaderName::from_static(name)) {
            if let Ok(value) = ::http::HeaderValue::from_bytes(value.as_bytes()) {
                headers.append(http_name, value);
            }
        }
    }
    let status = ::http::StatusCode::from_u16(response.status().as_u16())
        .expect("a status code actix-web holds is valid");
    let result = handle.finish_headers(had_cookie, status, &mut headers);
    let write_back = |target: &mut actix_header::HeaderMap| {
        for (name, http_name) in MANAGED {
            let name = HeaderName::from_static(name);
            target.remove(name.clone());
            for value in headers.get_all(http_name) {
                if let Ok(value) = HeaderValue::from_bytes(value.as_bytes()) {
                    target.append(name.clone(), value);
                }
            }
        }
    };
    let Err(error) = result else {
        write_back(response.headers_mut());
        return None;
    };
    log_save_error(&error, middleware);
    if middleware.config().oversize_policy() == OversizePolicy::Fail {
        let mut replacement = HttpResponse::new(ActixStatus::INTERNAL_SERVER_ERROR);
        replacement
            .headers_mut()
            .insert(actix_header::VARY, HeaderValue::from_static("Cookie"));
        replacement.extensions_mut().insert(error);
        return Some(ServiceResponse::new(
            response.request().clone(),
            replacement,
        ));
    }
    write_back(response.headers_mut());
    response.response_mut().extensions_mut().insert(error);
    None
}

impl ResponseError for MissingSessionLayer {
    fn status_code(&self) -> ActixStatus {
        ActixStatus::INTERNAL_SERVER_ERROR
    }
}

/// The actix-web extractor: the session the [`ActixSession`] middleware
/// loaded for this request.
impl FromRequest for SessionHandle {
    type Error = MissingSessionLayer;
    type Future = Ready<Result<Self, Self::Error>>;

    fn from_request(request: &HttpRequest, _payload: &mut Payload) -> Self::Future {
        ready(
            request
                .extensions()
                .get::<SessionHandle>()
                .cloned()
                .ok_or(MissingSessionLayer),
        )
    }
}

#[cfg(test)]
mod tests {
    use actix_web::{App, test, web};

    use super::*;
    use crate::http::CookieConfig;
    use crate::{Keyring, Secret, SessionConfig};

    async fn count(session: SessionHandle) -> String {
        let n = session.get_as::<u64>("n").ok().flatten().unwrap_or(0) + 1;
        session.insert("n", n);
        n.to_string()
    }

    #[actix_web::test]
    async fn the_extractor_without_the_middleware_is_a_500_that_names_it() {
        let app = test::init_service(App::new().route("/", web::get().to(count))).await;
        let response = test::call_service(&app, test::TestRequest::get().to_request()).await;
        assert_eq!(response.status(), ActixStatus::INTERNAL_SERVER_ERROR);
        assert!(response.headers().get(actix_header::SET_COOKIE).is_none());
        let body = test::read_body(response).await;
        let body = String::from_utf8_lossy(&body);
        assert!(body.contains("ActixSession"), "{body}");
    }

    #[actix_web::test]
    async fn a_counter_round_trips_in_process() {
        let keys = Keyring::new(Secret::new("actix unit test secret").expect("not empty"));
        let middleware = SessionMiddleware::new(&keys, SessionConfig::new(), CookieConfig::new())
            .expect("default settings are valid");
        let app = test::init_service(
            App::new()
                .wrap(ActixSession::new(middleware))
                .route("/", web::get().to(count)),
        )
        .await;
        let mut cookie: Option<String> = None;
        for expected in ["1", "2", "3"] {
            let mut request = test::TestRequest::get();
            if let Some(pair) = &cookie {
                request = request.insert_header((actix_header::COOKIE, pair.as_str()));
            }
            let response = test::call_service(&app, request.to_request()).await;
            assert_eq!(response.status(), ActixStatus::OK);
            let line = response
                .headers()
                .get(actix_header::SET_COOKIE)
                .expect("a changed session sets its cookie")
                .to_str()
                .expect("ASCII")
                .to_owned();
            assert_eq!(
                response
                    .headers()
                    .get(actix_header::VARY)
                    .map(HeaderValue::as_bytes),
                Some(&b"Cookie"[..])
            );
            let body = test::read_body(response).await;
            assert_eq!(&body[..], expected.as_bytes());
            cookie = line.split(';').next().map(str::to_owned);
        }
    }
}
