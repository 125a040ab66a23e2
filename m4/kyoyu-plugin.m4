# SPDX-License-Identifier: MIT
# KYOYU_PLUGIN(KIND, NAME, PKG-MODULES, [EXTRA-VAR], [EXTRA-DESC])
#
# Declares --enable-KIND-NAME / --disable-KIND-NAME for one plugin.  The default
# is "auto": the plugin is built when PKG-MODULES are found with pkg-config (and,
# when EXTRA-VAR is given, when that shell variable is "yes").  Asking for the
# plugin explicitly when a dependency is missing stops configure with an error
# that names the package, so a packager never ships a build without it by
# accident.  Sets KIND_NAME_CFLAGS/_LIBS, the BUILD_KIND_NAME conditional and a
# line of the summary table, and adds KIND/NAME to kyoyu_own_plugins (every
# plugin configure knows, built or not).
AC_DEFUN([KYOYU_PLUGIN], [
  m4_pushdef([kp_var], m4_translit([$1_$2], [-], [_]))
  m4_pushdef([kp_VAR], m4_toupper(m4_translit([$1_$2], [-], [_])))
  dnl The help text is made here, outside AS_HELP_STRING's quotes, so that
  dnl m4_ifval is expanded rather than printed.
  AC_ARG_ENABLE([$1-$2],
    AS_HELP_STRING([--enable-$1-$2],
      [build the $1/$2 plugin (default: auto; needs ]m4_ifval([$3], [[$3]], [[nothing]])m4_ifval([$5], [[, $5]])[)]),
    [], [enable_[]kp_var=auto])
  kyoyu_own_plugins="$kyoyu_own_plugins $1/$2"
  kp_missing=""
  m4_ifval([$3], [
    PKG_CHECK_MODULES(kp_VAR, [$3], [], [kp_missing="$3"])
  ])
  m4_ifval([$4], [
    AS_IF([test "x$$4" != xyes], [kp_missing="${kp_missing:+$kp_missing, }$5"])
  ])
  AS_CASE([$enable_[]kp_var],
    [yes], [AS_IF([test -n "$kp_missing"],
              [AC_MSG_ERROR([--enable-$1-$2 was given but its dependency is missing: $kp_missing (on Debian: apt-get install the matching -dev package, or configure with --disable-$1-$2)])])
            kp_state=yes; kp_why="requested"],
    [no],  [kp_state=no; kp_why="disabled by --disable-$1-$2"],
           [AS_IF([test -n "$kp_missing"],
              [kp_state=no; kp_why="missing $kp_missing"],
              [kp_state=yes; kp_why="auto"])])
  AM_CONDITIONAL([BUILD_]kp_VAR, [test "x$kp_state" = xyes])
  AS_IF([test "x$kp_state" = xyes], [
    kyoyu_enabled_plugins="$kyoyu_enabled_plugins $1-$2"
    kyoyu_summary="$kyoyu_summary
    m4_format([%-22s], [$1/$2]) enabled   ($kp_why)"
  ], [
    kyoyu_summary="$kyoyu_summary
    m4_format([%-22s], [$1/$2]) disabled  ($kp_why)"
  ])
  m4_popdef([kp_VAR])
  m4_popdef([kp_var])
])
