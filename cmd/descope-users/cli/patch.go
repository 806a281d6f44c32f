package cli

import "github.com/seed-a84e9595/descope-mgmt/api"

// patchCommand is patch: the patches of a file, sent in batches (PatchUserBatch) by the bulk run
// every bulk command shares.
func patchCommand() *command {
	return bulkCommand[api.UserPatch]{
		records: patchRecords,
		applied: "patched",
		doing:   "patching",
		call:    patchBatches,
		send:    (*api.Client).PatchSeq,
	}.command(command{
		name:     "patch",
		synopsis: "[flags] FILE",
		summary:  "apply the patches of a JSON Lines or CSV file, in batches",
		help: `Reads FILE, checks every patch in it, and only then sends them in batches (PatchUserBatch),
a few batches at a time, paced under Descope's documented limit for that route (--limit, 100
calls a minute per project) and backing off together when the API answers 429.`,
		example: []string{"users.jsonl"},
	})
}
