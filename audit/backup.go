package audit

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"
)

// BackupVersion is the version of the backup file format Write produces.
const BackupVersion = 1

// Backup is the content of one backup file: the full user objects as the
// tenant returned them, written before an action that could lose them.
type Backup struct {
	Version   int                        `json:"version"`
	Action    string                     `json:"action"`
	CreatedAt time.Time                  `json:"created_at"`
	Meta      map[string]string          `json:"meta,omitempty"` // tenant, operator, op_id, ... as the caller chose
	Users     map[string]json.RawMessage `json:"users"`          // user_id → user object
	// Access holds, by user_id, what the user held besides its object
	// (its roles and organization memberships), as the caller read it.
	Access map[string]json.RawMessage `json:"access,omitempty"`
}

// BackupInfo describes one backup file in a directory listing.
type BackupInfo struct {
	Path      string
	Action    string
	CreatedAt time.Time
	UserIDs   []string // sorted
	Meta      map[string]string
	Size      int64
	Err       error // set when the file could not be read; the other fields may be empty
}

// Backups writes backup files into one directory.
type Backups struct {
	dir  string
	opts options
}

// tmpPrefix starts the name of a backup being written; List never shows one.
const tmpPrefix = ".tmp-"

// preserved lists the keys below which a backup keeps data exactly: the
// metadata a link discards is what a backup exists to restore. Elsewhere the
// values of credential-named keys (an identity's IdP access_token, ...) are
// redacted, as in the audit log. Everywhere, only the secrets registered
// with RegisterSecret are scrubbed from the text (scrubSecrets), never what
// merely looks like a credential: a name "Jo Bearer Smith" or a note "the
// bearer of the flag" comes back as it was.
var preserved = map[string]bool{"user_metadata": true, "app_metadata": true}

// OpenBackups prepares dir (created 0700 with its missing parents) for backups.
func OpenBackups(dir string, opts ...Option) (*Backups, error) {
	if err := mkdirPrivate(dir); err != nil {
		return nil, fmt.Errorf("backups: %w", err)
	}
	return &Backups{dir: dir, opts: optionsOf(opts)}, nil
}

// Dir is the directory the backups go to.
func (b *Backups) Dir() string { return b.dir }

// Write stores users (user_id → object as the tenant returned it) and what
// they hold besides (access: user_id → any JSON, may be nil) in a new file
// <dir>/<UTC time>-<action>-<random id>.json, 0600, as one line of compact
// JSON, and returns its path once the file and its directory entry are
// fsync'd. The file appears whole or not at all: it is written under a
// temporary name and renamed.
func (b *Backups) Write(action string, users, access map[string]json.RawMessage, meta map[string]string) (path, sum string, err error) {
	name := fileSafe(action)
	if name == "" {
		return "", "", errors.New("backup: action is empty")
	}
	if len(users) == 0 {
		return "", "", errors.New("backup: no users to back up")
	}
	now := time.Now().UTC()
	content := Backup{Version: BackupVersion, Action: Scrub(action), CreatedAt: now, Users: make(map[string]json.RawMessage, len(users))}
	for id, raw := range users {
		if len(raw) == 0 {
			return "", "", fmt.Errorf("backup: user %s: empty object", id)
		}
		clean, err := redactJSON(raw, preserved, scrubSecrets)
		if err != nil {
			return "", "", fmt.Errorf("backup: user %s: %w", id, err)
		}
		content.Users[scrubSecrets(id)] = clean
	}
	for id, raw := range access {
		clean, err := redactJSON(raw, nil, scrubSecrets)
		if err != nil {
			return "", "", fmt.Errorf("backup: access of %s: %w", id, err)
		}
		if content.Access == nil {
			content.Access = make(map[string]json.RawMessage, len(access))
		}
		content.Access[scrubSecrets(id)] = clean
	}
	if len(meta) > 0 {
		content.Meta = make(map[string]string, len(meta))
		for k, v := range meta {
			content.Meta[Scrub(k)] = Scrub(v)
		}
	}
	data, err := b.opts.encode(content, "")
	if err != nil {
		return "", "", fmt.Errorf("backup: %w", err)
	}
	data = append(data, '\n')
	final := filepath.Join(b.dir, fmt.Sprintf("%s-%s-%s.json", now.Format(compactUTC), name, randomHex(6)))
	if err := writeFileAtomic(final, data); err != nil {
		return "", "", fmt.Errorf("backup: %w", err)
	}
	return final, backupSum(data), nil
}

// backupSum is the SHA-256 of a backup file's bytes, in hex: the audit
// record of the call it was written for keeps it (Record.BackupSum), and an
// undo restores from the file only while it still matches.
func backupSum(data []byte) string {
	h := sha256.Sum256(data)
	return hex.EncodeToString(h[:])
}

// ErrBackupChanged is ReadBackupChecked's refusal of a backup file whose
// bytes are not those its audit record summed.
var ErrBackupChanged = errors.New("was changed since it was written")

// ReadBackupChecked reads one backup file as ReadBackup does, and refuses
// it when sum (the SHA-256 its audit record kept; "" for a record older
// than the sums) is not that of its bytes: the file was changed since it
// was written, and restoring from it would write what no one backed up.
func ReadBackupChecked(path, sum string) (*Backup, error) {
	if sum != "" {
		data, err := os.ReadFile(path)
		if err != nil {
			return nil, fmt.Errorf("backup: %w", err)
		}
		if backupSum(data) != sum {
			return nil, fmt.Errorf("backup %s %w: its SHA-256 is not the one the audit log recorded, so nothing is restored from it", path, ErrBackupChanged)
		}
	}
	return ReadBackup(path)
}

// WritePrivateFile writes data to path (0600), creating its directory (0700)
// when missing, through writeFileAtomic: a reader sees the old file or the
// whole new one, never a part. Plans are written with it.
func WritePrivateFile(path string, data []byte) error {
	if err := mkdirPrivate(filepath.Dir(path)); err != nil {
		return err
	}
	return writeFileAtomic(path, data)
}

// writeFileAtomic writes data to path through a fsync'd temporary file in the
// same directory, renamed into place, then fsyncs the directory.
func writeFileAtomic(path string, data []byte) (err error) {
	if err := refuseNonRegular(path); err != nil {
		return err
	}
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, tmpPrefix+filepath.Base(path)+"-*") // CreateTemp makes it 0600
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	if err := writeSynced(tmp, data); err != nil {
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if testHookBeforeRename != nil {
		testHookBeforeRename(tmp.Name(), path)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return err
	}
	return syncDir(dir)
}

// testHookBeforeRename lets tests look at the directory between the write of
// the temporary file and its rename.
var testHookBeforeRename func(tmp, final string)

// fileSafe lower-cases s and keeps only [a-z0-9_], so an action names a file.
func fileSafe(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case 'a' <= r && r <= 'z', '0' <= r && r <= '9', r == '_':
			return r
		case 'A' <= r && r <= 'Z':
			return r + ('a' - 'A')
		case r == '-' || r == ' ' || r == '.':
			return '_'
		}
		return -1
	}, s)
}

// ReadBackup reads one backup file.
func ReadBackup(path string) (*Backup, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("backup: %w", err)
	}
	var b Backup
	if err := json.Unmarshal(data, &b); err != nil {
		return nil, fmt.Errorf("backup %s: %w", path, err)
	}
	if b.Version != BackupVersion {
		return nil, fmt.Errorf("backup %s: unsupported version %d", path, b.Version)
	}
	return &b, nil
}

// List describes every backup in the directory, oldest first. A file that
// cannot be read is listed with Err set rather than failing the listing;
// files being written (temporary names) are left out.
func (b *Backups) List() ([]BackupInfo, error) {
	entries, err := os.ReadDir(b.dir)
	if err != nil {
		return nil, fmt.Errorf("backups: %w", err)
	}
	var out []BackupInfo
	for _, e := range entries {
		name := e.Name()
		if e.IsDir() || strings.HasPrefix(name, ".") || !strings.HasSuffix(name, ".json") {
			continue
		}
		info := BackupInfo{Path: filepath.Join(b.dir, name)}
		if fi, err := e.Info(); err == nil {
			info.Size = fi.Size()
		}
		if bk, err := ReadBackup(info.Path); err != nil {
			info.Err = err
		} else {
			info.Action, info.CreatedAt, info.Meta = bk.Action, bk.CreatedAt, bk.Meta
			for id := range bk.Users {
				info.UserIDs = append(info.UserIDs, id)
			}
			sort.Strings(info.UserIDs)
		}
		out = append(out, info)
	}
	sort.SliceStable(out, func(i, j int) bool {
		if !out[i].CreatedAt.Equal(out[j].CreatedAt) {
			return out[i].CreatedAt.Before(out[j].CreatedAt)
		}
		return out[i].Path < out[j].Path
	})
	return out, nil
}
