//! Software prefetch: asking the processor to bring memory into its
//! caches ahead of a loop that will read it at an address no hardware
//! prefetcher can guess (the next document pair's profiles, the next
//! anchor's postings).
//!
//! A hint only: it reads nothing, cannot fault, and changes no result;
//! on targets without the instruction it does nothing.

/// Asks for every cache line of `v`.
#[inline]
pub fn slice<T>(v: &[T]) {
    #[cfg(target_arch = "x86_64")]
    {
        use std::arch::x86_64::{_mm_prefetch, _MM_HINT_T0};
        let at = v.as_ptr().cast::<i8>();
        for offset in (0..std::mem::size_of_val(v)).step_by(64) {
            // SAFETY: a prefetch reads nothing and cannot fault; the
            // address lies inside `v` (SSE, which has the instruction, is
            // part of every x86-64 processor).
            unsafe { _mm_prefetch::<_MM_HINT_T0>(at.add(offset)) };
        }
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = v;
}
