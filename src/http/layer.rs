//! [`SessionLayer`]: the tower middleware around [`SessionMiddleware`].

use core::future::Future;
use core::pin::Pin;
use core::task::{Context, Poll, ready};
use std::sync::Arc;

use ::http::{Request, Response};
use pin_project_lite::pin_project;
use tower_layer::Layer;
use tower_service::Service;

use super::handle::{SessionHandle, log_load_error, log_save_error};
use super::middleware::SessionMiddleware;

/// A tower [`Layer`] giving every request a session: it loads the session
/// from the request's cookie, hands it to the handler as a
/// [`SessionHandle`] (in the request extensions, and as an axum extractor),
/// and writes `Set-Cookie` and `Vary` on the response exactly as Django's
/// `SessionMiddleware` does (see [`SessionMiddleware`]).
///
/// The HMAC keys are derived once, when the layer is built; clones share
/// them. When the session cannot be sent (over the size budget, see
/// [`CookieConfig::with_size_budget`](super::CookieConfig::with_size_budget)) the error is logged with
/// `tracing::error!`, stored in the response's extensions as a
/// [`SaveError`](super::SaveError), and the [`OversizePolicy`](super::OversizePolicy) decides
/// the response.
///
/// With [asynchronous revocation checks](SessionMiddleware::with_async_check)
/// the layer awaits them (through
/// [`SessionMiddleware::load_async`]) before calling the handler; without,
/// the session is loaded synchronously and nothing is boxed.
///
/// ```
/// use axum::{Router, routing::get};
/// use signed_session::http::{CookieConfig, SessionHandle, SessionLayer, SessionMiddleware};
/// use signed_session::{Keyring, Secret, SessionConfig};
/// use time::Duration;
///
/// async fn counter(session: SessionHandle) -> String {
///     let n = session.get_as::<u64>("n").ok().flatten().unwrap_or(0) + 1;
///     session.insert("n", n);
///     n.to_string()
/// }
///
/// let keys = Keyring::new(Secret::new("a long random secret")?);
/// let middleware = SessionMiddleware::new(
///     &keys,
///     SessionConfig::new().with_cookie_age(Duration::hours(1)),
///     CookieConfig::new().with_secure(true),
/// )?;
/// let app: Router = Router::new().route("/", get(counter)).layer(SessionLayer::new(middleware));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug)]
pub struct SessionLayer {
    middleware: Arc<SessionMiddleware>,
}

impl SessionLayer {
    /// A layer around `middleware` (see [`SessionMiddleware::new`]).
    pub fn new(middleware: SessionMiddleware) -> Self {
        Self {
            middleware: Arc::new(middleware),
        }
    }

    /// The middleware (settings and codec) the layer uses.
    pub fn middleware(&self) -> &SessionMiddleware {
        &self.middleware
    }
}

impl<S> Layer<S> for SessionLayer {
    type Service = SessionService<S>;

    fn layer(&self, inner: S) -> Self::Service {
        SessionService {
            inner,
            middleware: Arc::clone(&self.middleware),
        }
    }
}

/// The [`Service`] made by [`SessionLayer`].
#[derive(Clone, Debug)]
pub struct SessionService<S> {
    inner: S,
    middleware: Arc<SessionMiddleware>,
}

impl<S, ReqBody, ResBody> Service<Request<ReqBody>> for SessionService<S>
where
    S: Service<Request<ReqBody>, Response = Response<ResBody>> + Clone + Send + 'static,
    S::Future: Send + 'static,
    S::Error: Send + 'static,
    ReqBody: Send + 'static,
    ResBody: Default + Send + 'static,
{
    type Response = Response<ResBody>;
    type Error = S::Error;
    type Future = ResponseFuture<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut request: Request<ReqBody>) -> Self::Future {
        if self.middleware.has_async_checks() {
            return self.call_checked(request);
        }
        let loaded = self.middleware.load(request.headers());
        log_load_error(&loaded.session);
        let handle = SessionHandle::new(loaded.session, Arc::clone(&self.middleware));
        request.extensions_mut().insert(handle.clone());
        ResponseFuture {
            state: State::Direct {
                inner: self.inner.call(request),
                pending: Some(Pending {
                    handle,
                    had_cookie: loaded.had_cookie,
                }),
            },
        }
    }
}

impl<S> SessionService<S> {
    /// The path with asynchronous revocation checks: the checks are awaited
    /// before the handler is called, in one boxed future.
    fn call_checked<ReqBody, ResBody>(
        &mut self,
        mut request: Request<ReqBody>,
    ) -> ResponseFuture<S::Future>
    where
        S: Service<Request<ReqBody>, Response = Response<ResBody>> + Clone + Send + 'static,
        S::Future: Send + 'static,
        S::Error: Send + 'static,
        ReqBody: Send + 'static,
        ResBody: Default + Send + 'static,
    {
        // The service that was polled ready is the one called.
        let ready = self.inner.clone();
        let mut inner = core::mem::replace(&mut self.inner, ready);
        let middleware = Arc::clone(&self.middleware);
        let future = async move {
            // A copy, so the request body need not be `Sync` across the
            // awaits of the checks.
            let headers = request.headers().clone();
            let loaded = middleware.load_async(&headers).await;
            log_load_error(&loaded.session);
            let handle = SessionHandle::new(loaded.session, Arc::clone(&middleware));
            request.extensions_mut().insert(handle.clone());
            let mut response = inner.call(request).await?;
            // The session is locked only inside this synchronous call.
            if let Err(error) = handle.finish(loaded.had_cookie, &mut response) {
                log_save_error(&error, handle.middleware());
            }
            Ok(response)
        };
        ResponseFuture {
            state: State::Checked {
                future: Box::pin(future),
            },
        }
    }
}

struct Pending {
    handle: SessionHandle,
    had_cookie: bool,
}

/// The boxed future of the path with asynchronous checks.
type Checked<O> = Pin<Box<dyn Future<Output = O> + Send>>;

pin_project! {
    /// The response future of [`SessionService`]: the inner service's
    /// response, with the session cookie headers added.
    pub struct ResponseFuture<F>
    where
        F: Future,
    {
        #[pin]
        state: State<F>,
    }
}

pin_project! {
    #[project = StateProj]
    enum State<F>
    where
        F: Future,
    {
        Direct {
            #[pin]
            inner: F,
            pending: Option<Pending>,
        },
        Checked {
            future: Checked<F::Output>,
        },
    }
}

impl<F: Future> core::fmt::Debug for ResponseFuture<F> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("ResponseFuture").finish_non_exhaustive()
    }
}

impl<F, B, E> Future for ResponseFuture<F>
where
    F: Future<Output = Result<Response<B>, E>>,
    B: Default,
{
    type Output = Result<Response<B>, E>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        match self.project().state.project() {
            StateProj::Direct { inner, pending } => {
                let mut response = ready!(inner.poll(cx))?;
                if let Some(pending) = pending.take() {
                    // The session is locked only inside this synchronous call.
                    if let Err(error) = pending.handle.finish(pending.had_cookie, &mut response) {
                        log_save_error(&error, pending.handle.middleware());
                    }
                }
                Poll::Ready(Ok(response))
            }
            StateProj::Checked { future } => future.as_mut().poll(cx),
        }
    }
}
