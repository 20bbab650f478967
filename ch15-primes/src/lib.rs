//! Chapter 15's Python extension: the book's prime count, callable from Python as
//! `ch15_primes`. Every function counts the primes among some integers by trial division,
//! the same check as chapter 1's `is_prime`; they differ in what they do with the GIL.
//!
//! Build it into the active virtual environment with
//! `maturin develop --release -m ch15-primes/Cargo.toml`.

// ANCHOR: holding
use pyo3::prelude::*;

/// The module Python imports as `ch15_primes`.
#[pymodule]
mod ch15_primes {
    use pyo3::exceptions::PyValueError;
    use pyo3::prelude::*;
    use rayon::prelude::*;

    /// The integers `start .. start + count`, or a `ValueError` if they would pass `u64::MAX`.
    fn integers(start: u64, count: u64) -> PyResult<std::ops::Range<u64>> {
        match start.checked_add(count) {
            Some(end) => Ok(start..end),
            None => Err(PyValueError::new_err(
                "start + count is larger than 2**64 - 1",
            )),
        }
    }

    /// Counts the primes among `start .. start + count`, holding the GIL all the while.
    #[pyfunction]
    fn count_primes(start: u64, count: u64) -> PyResult<usize> {
        Ok(integers(start, count)?.filter(|&n| is_prime(n)).count())
    }
    // ANCHOR_END: holding

    /// Trial division by 2 and then every odd divisor up to the square root: chapter 1's
    /// check, so that the times compare with the rest of the book.
    fn is_prime(n: u64) -> bool {
        if n < 2 {
            return false;
        }
        if n.is_multiple_of(2) {
            return n == 2;
        }
        let limit = n.isqrt();
        let mut divisor = 3;
        while divisor <= limit {
            if n.is_multiple_of(divisor) {
                return false;
            }
            divisor += 2;
        }
        true
    }

    // ANCHOR: detached
    /// The same count, with the GIL released while Rust computes.
    #[pyfunction]
    fn count_primes_detached(py: Python<'_>, start: u64, count: u64) -> PyResult<usize> {
        let numbers = integers(start, count)?;
        Ok(py.detach(|| numbers.filter(|&n| is_prime(n)).count()))
    }
    // ANCHOR_END: detached

    // ANCHOR: parallel
    /// The same count, with the GIL released and the integers shared out over rayon's pool.
    #[pyfunction]
    fn count_primes_parallel(py: Python<'_>, start: u64, count: u64) -> PyResult<usize> {
        let numbers = integers(start, count)?;
        Ok(py.detach(|| numbers.into_par_iter().filter(|&n| is_prime(n)).count()))
    }
    // ANCHOR_END: parallel

    // ANCHOR: bytes
    /// Counts the primes among the integers packed in `data`, eight bytes each in the
    /// machine's byte order (what `array.array("Q", numbers).tobytes()` makes). A `bytes`
    /// argument arrives as `&[u8]`, a view of the object's own memory: nothing is copied.
    #[pyfunction]
    fn count_primes_in(py: Python<'_>, data: &[u8]) -> PyResult<usize> {
        if !data.len().is_multiple_of(8) {
            return Err(PyValueError::new_err(
                "the length of data is not a multiple of 8",
            ));
        }
        // `bytes` never changes, and the caller's reference keeps it alive until we
        // return: reading it with the GIL released is safe.
        Ok(py.detach(|| {
            data.chunks_exact(8)
                .map(|eight| u64::from_ne_bytes(eight.try_into().expect("chunks of 8")))
                .filter(|&n| is_prime(n))
                .count()
        }))
    }
    // ANCHOR_END: bytes

    // ANCHOR: exercise
    // Exercise 15-1 starts here.
    /// Counts the primes in a Python list, holding the GIL.
    #[pyfunction]
    fn count_primes_in_list(numbers: Vec<u64>) -> usize {
        numbers.iter().filter(|&&n| is_prime(n)).count()
    }
    // ANCHOR_END: exercise

    // ANCHOR: solution
    /// Exercise 15-1's solution: the list becomes a `Vec<u64>` while the GIL is held (PyO3
    /// converts the arguments before the body runs); the count runs detached.
    #[pyfunction]
    fn count_primes_in_list_detached(py: Python<'_>, numbers: Vec<u64>) -> usize {
        py.detach(|| numbers.iter().filter(|&&n| is_prime(n)).count())
    }
    // ANCHOR_END: solution

    #[cfg(test)]
    mod tests {
        use super::is_prime;

        #[test]
        fn the_first_primes() {
            let primes: Vec<u64> = (0..30).filter(|&n| is_prime(n)).collect();
            assert_eq!(primes, [2, 3, 5, 7, 11, 13, 17, 19, 23, 29]);
        }
    }
}
