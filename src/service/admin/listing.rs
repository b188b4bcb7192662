//! Listings that can be long (`downloads`, `publish_log`): produced a page at a time, sent as one
//! JSON array written while the rows are read, and read back row by row, so no stage holds the
//! whole answer.

use super::AdminRequest;
use crate::service::{App, Result, ServiceError};
use serde::Serialize;
use serde::de::{DeserializeOwned, SeqAccess, Visitor};
use std::io::Read;
use std::marker::PhantomData;

/// Rows as a listing produces them; each may fail on its own (a page that cannot be read).
pub type Rows<'a, T> = Box<dyn Iterator<Item = Result<T>> + 'a>;

/// A request whose answer is a list of rows, produced as they are walked rather than gathered.
pub trait AdminListing: Into<AdminRequest> {
    type Row: Serialize + DeserializeOwned + Send + 'static;

    /// Starts the walk; an error here (nothing could be read) is the request's error.
    fn rows(self, app: &App) -> Result<Rows<'_, Self::Row>>;
}

/// How an answer leaves `answer`: whole, or as pieces of a JSON array to send as they come.
pub enum Answer<'a> {
    Whole(Vec<u8>),
    /// In order; joined, they are one JSON array. An error means the array stops there.
    Streamed(Box<dyn Iterator<Item = Result<Vec<u8>>> + 'a>),
}

impl Answer<'_> {
    /// The whole answer's bytes, the streamed kind gathered: for callers that want it all.
    pub fn into_bytes(self) -> Result<Vec<u8>> {
        match self {
            Answer::Whole(bytes) => Ok(bytes),
            Answer::Streamed(pieces) => pieces.collect::<Result<Vec<_>>>().map(|p| p.concat()),
        }
    }
}

/// Rows are gathered into pieces of about this size, so a send is neither a row nor the list.
const PIECE_BYTES: usize = 64 * 1024;

/// `rows` encoded as one JSON array (`[row,row,…]`), in pieces of about `PIECE_BYTES`.
pub fn json_array<'a, T: Serialize + 'a>(rows: Rows<'a, T>) -> Answer<'a> {
    let mut rows = rows.fuse();
    let (mut started, mut any_row, mut finished) = (false, false, false);
    Answer::Streamed(Box::new(std::iter::from_fn(move || {
        if finished {
            return None;
        }
        let mut piece = Vec::with_capacity(PIECE_BYTES + 1024);
        if !started {
            started = true;
            piece.push(b'[');
        }
        while piece.len() < PIECE_BYTES {
            let Some(row) = rows.next() else {
                piece.push(b']');
                finished = true;
                break;
            };
            let encoded = row.and_then(|row| super::encode(&row));
            match encoded {
                Ok(bytes) => {
                    if any_row {
                        piece.push(b',');
                    }
                    any_row = true;
                    piece.extend_from_slice(&bytes);
                }
                Err(error) => {
                    finished = true;
                    return Some(Err(error));
                }
            }
        }
        Some(Ok(piece))
    })))
}

/// Reads a JSON array off `reader` and hands each element to `each` as soon as it is whole.
pub fn read_array<T: DeserializeOwned>(
    reader: impl Read,
    each: &mut dyn FnMut(T) -> Result<()>,
) -> Result<()> {
    let mut stopped = None;
    let mut deserializer = serde_json::Deserializer::from_reader(std::io::BufReader::new(reader));
    let read = serde::Deserializer::deserialize_seq(
        &mut deserializer,
        EachElement {
            each,
            stopped: &mut stopped,
            row: PhantomData,
        },
    )
    .and_then(|()| deserializer.end());
    match (stopped, read) {
        // The caller's own error (its output closed, say) is what stopped the reading.
        (Some(error), _) => Err(error),
        (None, Ok(())) => Ok(()),
        (None, Err(error)) => Err(ServiceError::Io(format!(
            "unexpected answer from the server: {error}"
        ))),
    }
}

struct EachElement<'a, T> {
    each: &'a mut dyn FnMut(T) -> Result<()>,
    stopped: &'a mut Option<ServiceError>,
    row: PhantomData<T>,
}

impl<'de, T: DeserializeOwned> Visitor<'de> for EachElement<'_, T> {
    type Value = ();

    fn expecting(&self, formatter: &mut std::fmt::Formatter) -> std::fmt::Result {
        formatter.write_str("a JSON array")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> std::result::Result<(), A::Error> {
        while let Some(row) = seq.next_element::<T>()? {
            if let Err(error) = (self.each)(row) {
                *self.stopped = Some(error);
                return Err(serde::de::Error::custom("stopped by the reader"));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn numbers(count: u64) -> Rows<'static, u64> {
        Box::new((0..count).map(Ok))
    }

    #[test]
    fn pieces_join_into_the_json_of_the_whole_list() {
        for count in [0, 1, 2, 50_000] {
            let expected = serde_json::to_vec(&(0..count).collect::<Vec<u64>>()).unwrap();
            assert_eq!(json_array(numbers(count)).into_bytes().unwrap(), expected);
        }
    }

    #[test]
    fn a_long_list_goes_out_in_pieces_of_bounded_size() {
        let Answer::Streamed(pieces) = json_array(numbers(200_000)) else {
            panic!("a listing is streamed");
        };
        let sizes: Vec<usize> = pieces.map(|piece| piece.unwrap().len()).collect();
        assert!(sizes.len() > 10, "{} pieces", sizes.len());
        assert!(
            sizes.iter().all(|size| *size < PIECE_BYTES + 64),
            "{sizes:?}"
        );
    }

    #[test]
    fn a_row_that_fails_ends_the_array_with_the_error() {
        let rows: Rows<'static, u64> = Box::new(
            [
                Ok(1),
                Err(ServiceError::Io("page unreadable".into())),
                Ok(3),
            ]
            .into_iter(),
        );
        let Answer::Streamed(pieces) = json_array(rows) else {
            panic!("a listing is streamed");
        };
        let pieces: Vec<Result<Vec<u8>>> = pieces.collect();
        assert_eq!(pieces.len(), 1);
        assert!(matches!(&pieces[0], Err(ServiceError::Io(m)) if m.contains("page unreadable")));
    }

    #[test]
    fn an_array_is_read_back_element_by_element() {
        let bytes = json_array(numbers(5000)).into_bytes().unwrap();
        let mut seen = Vec::new();
        read_array::<u64>(bytes.as_slice(), &mut |n| {
            seen.push(n);
            Ok(())
        })
        .unwrap();
        assert_eq!(seen, (0..5000).collect::<Vec<_>>());
    }

    #[test]
    fn an_array_cut_short_is_an_error_after_the_rows_that_arrived() {
        let bytes = json_array(numbers(100)).into_bytes().unwrap();
        let mut seen = 0;
        let result = read_array::<u64>(&bytes[..bytes.len() / 2], &mut |_| {
            seen += 1;
            Ok(())
        });
        assert!(result.is_err());
        assert!(seen > 10 && seen < 100, "{seen}");
    }

    #[test]
    fn the_readers_own_error_stops_the_reading() {
        let bytes = json_array(numbers(100)).into_bytes().unwrap();
        let mut seen = 0;
        let result = read_array::<u64>(bytes.as_slice(), &mut |_| {
            seen += 1;
            match seen {
                3 => Err(ServiceError::Io("output closed".into())),
                _ => Ok(()),
            }
        });
        assert!(matches!(result, Err(ServiceError::Io(m)) if m == "output closed"));
        assert_eq!(seen, 3);
    }
}
