//! The C ABI: how a host moves bytes in and out of linear memory. This is
//! the only module with `unsafe` code, and each block says why it is sound.
//!
//! Every entry point takes a request as `(ptr, len)` and returns a packed
//! `u64`: the high 32 bits are the response's address, the low 32 bits its
//! length. The host owns both buffers afterwards and gives each back with
//! [`ss_free`] (same pointer, same length). Requests and responses are
//! ASCII-only JSON; see the crate documentation for their fields.
#![allow(unsafe_code)]

// Addresses and lengths are packed into 32 bits each.
#[cfg(not(target_pointer_width = "32"))]
compile_error!("signed-session-wasm is built for wasm32 only: use --target wasm32-unknown-unknown");

/// Allocates `len` zeroed bytes for the host to write a request into.
/// Returns a dangling, non-null pointer for `len == 0`.
#[unsafe(no_mangle)]
pub extern "C" fn ss_alloc(len: usize) -> *mut u8 {
    let buf: Box<[u8]> = vec![0u8; len].into_boxed_slice();
    Box::into_raw(buf).cast::<u8>()
}

/// Frees a buffer that [`ss_alloc`] returned or that a response unpacked to.
///
/// # Safety
/// `(ptr, len)` must be exactly such a pair, and freed at most once.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ss_free(ptr: *mut u8, len: usize) {
    if ptr.is_null() {
        return;
    }
    // SAFETY: the caller hands back a pointer and length that came from a
    // `Box<[u8]>` of exactly that length (ss_alloc or `respond`), once.
    drop(unsafe { Box::from_raw(core::ptr::slice_from_raw_parts_mut(ptr, len)) });
}

/// Reads the request at `(ptr, len)`, runs `handler` on it and leaks the
/// response for the host, packed as described in the module docs.
///
/// # Safety
/// `ptr` must point to `len` initialised bytes that stay untouched for the
/// duration of the call (a buffer from [`ss_alloc`] that the host filled).
unsafe fn respond(ptr: *const u8, len: usize, handler: fn(&[u8]) -> Vec<u8>) -> u64 {
    let request: &[u8] = if ptr.is_null() || len == 0 {
        &[]
    } else {
        // SAFETY: guaranteed by the caller; nothing else runs meanwhile
        // (a wasm instance is single-threaded and the host is waiting).
        unsafe { core::slice::from_raw_parts(ptr, len) }
    };
    let response = handler(request).into_boxed_slice();
    let out_len = response.len();
    let out_ptr = Box::into_raw(response).cast::<u8>();
    // Both fit in 32 bits on wasm32 (checked at compile time above).
    ((out_ptr as usize as u64) << 32) | out_len as u64
}

/// `signing.dumps`: see [`crate::api::dumps`] for the request.
///
/// # Safety
/// `(ptr, len)` is a filled buffer from [`ss_alloc`].
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ss_dumps(ptr: *const u8, len: usize) -> u64 {
    // SAFETY: forwarded from our caller's contract.
    unsafe { respond(ptr, len, crate::api::dumps) }
}

/// `signing.loads`: see [`crate::api::loads`] for the request.
///
/// # Safety
/// `(ptr, len)` is a filled buffer from [`ss_alloc`].
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ss_loads(ptr: *const u8, len: usize) -> u64 {
    // SAFETY: forwarded from our caller's contract.
    unsafe { respond(ptr, len, crate::api::loads) }
}

/// Loads a session cookie: see [`crate::session::load`] for the request.
///
/// # Safety
/// `(ptr, len)` is a filled buffer from [`ss_alloc`].
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ss_session_load(ptr: *const u8, len: usize) -> u64 {
    // SAFETY: forwarded from our caller's contract.
    unsafe { respond(ptr, len, crate::session::load) }
}

/// Saves session data as a cookie: see [`crate::session::save`].
///
/// # Safety
/// `(ptr, len)` is a filled buffer from [`ss_alloc`].
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ss_session_save(ptr: *const u8, len: usize) -> u64 {
    // SAFETY: forwarded from our caller's contract.
    unsafe { respond(ptr, len, crate::session::save) }
}

/// Replays one `session_store` vector (feature `vectors`): see
/// [`crate::replay::session_case`].
///
/// # Safety
/// `(ptr, len)` is a filled buffer from [`ss_alloc`].
#[cfg(feature = "vectors")]
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ss_session_case(ptr: *const u8, len: usize) -> u64 {
    // SAFETY: forwarded from our caller's contract.
    unsafe { respond(ptr, len, crate::replay::session_case) }
}
