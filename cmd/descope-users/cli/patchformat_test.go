package cli

import (
	"strings"
	"testing"
)

// The patch format is described once, in patchFormatHelp: it names every CSV column the reader
// takes.
func TestPatchFormatHelpNamesEveryColumn(t *testing.T) {
	for _, c := range patchColumns.named {
		if !strings.Contains(patchFormatHelp, c.name) {
			t.Errorf("patchFormatHelp does not name the CSV column %s", c.name)
		}
	}
	if !strings.Contains(patchFormatHelp, customAttributesPrefix+"<key>") {
		t.Errorf("patchFormatHelp does not name the %s<key> columns", customAttributesPrefix)
	}
}
