# SPDX-License-Identifier: MIT
# Writes kyoyu.cfg(5) from docs/config.md, so the manual and the document
# are one text and cannot drift (tests/unit/config-docs.sh checks that the
# document has every key the agent and the relay accept).  The markdown it
# reads is the plain subset config.md uses: headings, paragraphs, indented
# examples and tables whose first column names the keys.
#   awk -v date=YYYY-MM-DD -v version=V -f config-man.awk docs/config.md
# POSIX awk (mawk, Debian's default, included).

# Inline markdown to roff: `code` in bold, [text](link) as its text.
function inline(s,    out, i, c, code) {
	gsub(/\\/, "\\e", s)
	gsub(/\[[^]]*\]\([^)]*\)/, "&\001", s)
	while (match(s, /\[[^]]*\]\([^)]*\)\001/)) {
		c = substr(s, RSTART, RLENGTH)
		sub(/\]\(.*/, "", c)
		s = substr(s, 1, RSTART - 1) substr(c, 2) substr(s, RSTART + RLENGTH)
	}
	out = ""
	code = 0
	for (i = 1; i <= length(s); i++) {
		c = substr(s, i, 1)
		if (c == "`") {
			out = out (code ? "\\fR" : "\\fB")
			code = !code
		} else if (c == "-" && code)
			out = out "\\-"
		else
			out = out c
	}
	return text(out)
}

# Characters outside ASCII the document uses, as roff names them.
function text(s) {
	gsub(/—/, "\\(em", s)
	gsub(/–/, "\\(en", s)
	gsub(/…/, "...", s)
	gsub(/≤/, "\\(<=", s)
	gsub(/×/, "\\(mu", s)
	return s
}

# A line of running text; roff reads a leading dot or quote as a request.
function say(s) {
	s = inline(s)
	sub(/^[ \t]+/, "", s)
	if (s ~ /^[.']/)
		s = "\\&" s
	print s
}

function end_example() {
	if (in_example)
		print ".EE\n.RE"
	in_example = 0
}

function cells(line, out,    n, i) {
	sub(/^\|[ ]*/, "", line)
	sub(/[ ]*\|[ ]*$/, "", line)
	n = split(line, out, /[ ]*\|[ ]*/)
	return n
}

BEGIN {
	printf ".\\\" Generated from docs/config.md by docs/man/config-man.awk: edit those.\n"
	printf ".TH KYOYU.CFG 5 %s \"kyoyu %s\" \"File Formats\"\n", date, version
	print ".SH NAME"
	print "kyoyu.cfg \\- configuration files of kyoyu\\-agent and kyoyu\\-relay"
	print ".SH SYNOPSIS"
	print ".B kyoyu\\-agent \\-c"
	print ".I FILE"
	print ".br"
	print ".B kyoyu\\-relay \\-c"
	print ".I FILE"
	print ".SH DESCRIPTION"
	para = 0
	# Right after a heading a paragraph needs no .PP (mandoc warns).
	fresh = 1
}

NR == 1 && /^# / { next }

/^## / {
	end_example()
	h = substr($0, 4)
	gsub(/`/, "", h)
	print ".SH " toupper(text(h))
	para = 0; table = 0; fresh = 1
	next
}

/^### / {
	end_example()
	print ".SS \"" inline(substr($0, 5)) "\""
	para = 0; table = 0; fresh = 1
	next
}

/^\|/ {
	end_example()
	n = cells($0, row)
	if (!table) {
		for (i = 1; i <= n; i++)
			head[i] = row[i]
		table = n
		next
	}
	if (row[1] ~ /^-+$/)
		next
	# The first column: one key or several ("`a`, `b`"), each tagged.
	k = split(row[1], keys, /, /)
	print ".TP"
	fresh = 0
	for (i = 1; i <= k; i++) {
		if (i > 1)
			print ".TQ"
		key = keys[i]
		gsub(/`/, "", key)
		gsub(/-/, "\\-", key)
		print ".B " text(key)
	}
	facts = ""
	for (i = 2; i < n; i++)
		facts = facts (facts == "" ? "" : "; ") head[i] ": " row[i]
	if (facts != "") {
		say(facts)
		print ".br"
	}
	say(row[n])
	para = 0
	next
}

/^    / {
	if (!in_example) {
		print (fresh ? "" : ".PP\n") ".RS\n.EX"
		in_example = 1
		fresh = 0
	}
	line = substr($0, 5)
	gsub(/\\/, "\\e", line)
	gsub(/-/, "\\-", line)
	print text(line)
	next
}

/^[ \t]*$/ {
	end_example()
	para = 0; table = 0
	next
}

{
	end_example()
	if (!para && !table && !fresh)
		print ".PP"
	para = 1
	fresh = 0
	say($0)
}

END {
	end_example()
	print ".SH SEE ALSO"
	print ".BR kyoyu\\-agent (1),"
	print ".BR kyoyu\\-relay (8),"
	print ".BR kyoyu\\-plugin\\-check (1)"
}
