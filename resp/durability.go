package resp

// appendOnly and appendFsync are what CONFIG GET appendonly / appendfsync and INFO persistence
// report for the node's durability (Config.Durability), in Redis's terms: fsync is "appendfsync
// always" (every write is in the fsynced Raft log before its reply), everysec is "everysec", and
// memory has no log on disk at all ("appendonly no").
func (c *Config) appendOnly() string {
	if c.Durability == "memory" {
		return "no"
	}
	return "yes"
}

func (c *Config) appendFsync() string {
	switch c.Durability {
	case "everysec":
		return "everysec"
	case "memory":
		return "no"
	}
	return "always"
}
