#!/bin/sh
# Print the package's machine-readable copyright file (DEP-5) from the
# repository's licence files: sh contrib/debian/copyright.sh REPO
set -eu
repo=$1
cat <<HEAD
Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/
Upstream-Name: clawwatch
Upstream-Contact: clawwatch developers <clawwatch@users.noreply.github.com>
Source: https://github.com/clawwatch/clawwatch

Files: *
Copyright: 2026 clawwatch developers
License: MIT or Apache-2.0

License: MIT
HEAD
sed -e 's/^$/./' -e 's/^/ /' "$repo/LICENSE-MIT"
cat <<APACHE

License: Apache-2.0
 On Debian systems, the full text of the Apache License, Version 2.0 can be
 found in /usr/share/common-licenses/Apache-2.0.
APACHE
