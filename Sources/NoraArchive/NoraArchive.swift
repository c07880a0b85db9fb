/// Reading the archives formats publish (wheels, sdists, crates, Go module zips),
/// streamed from files so no archive is held whole in memory.
public enum NoraArchive {}
