//! The admin command line, offline and through a running server.
