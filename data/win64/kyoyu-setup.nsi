; SPDX-License-Identifier: MIT
; kyoyu's Windows installer, built by scripts/win64-installer with
; makensis (Debian's nsis).  It installs for the person running it, without
; administrator rights: the agent, its DLLs and its catalogues
; (share\locale\LANG\LC_MESSAGES\kyoyu.mo) into
; %LOCALAPPDATA%\Programs\kyoyu, a Start-menu entry of that person's, and an
; uninstaller listed in their "Apps" (HKCU).  The desk's settings, when the
; packager gave them, are agent.cfg beside the agent, which the Start-menu
; entry runs with.  Uninstalling removes exactly what was installed, the
; entry, the listing and the agent's runtime folder (%LOCALAPPDATA%\kyoyu).
;
; Defined by the caller (makensis -D...): VERSION, OUTFILE, FILES (an
; include that defines the macros INSTALL_FILES and DELETE_FILES for the
; folder's files and the folders under it) and, with the desk's settings, DESK_CONFIG.

; A 64-bit installer, as kyoyu is 64-bit only: it also runs where no
; 32-bit Windows programs do (Debian's Wine without wine32).
Target amd64-unicode
SetCompressor /SOLID lzma
RequestExecutionLevel user

Name "kyoyu"
OutFile "${OUTFILE}"
InstallDir "$LOCALAPPDATA\Programs\kyoyu"
ShowInstDetails nevershow
ShowUninstDetails nevershow

; NSIS's own words (buttons, progress) in the language of Windows.
LoadLanguageFile "${NSISDIR}\Contrib\Language files\English.nlf"
LoadLanguageFile "${NSISDIR}\Contrib\Language files\Japanese.nlf"

Page instfiles
UninstPage instfiles

!include "${FILES}"

!define UNINSTALL_KEY "Software\Microsoft\Windows\CurrentVersion\Uninstall\kyoyu"

Section
	SetShellVarContext current
	SetOutPath "$INSTDIR"
	!insertmacro INSTALL_FILES
!ifdef DESK_CONFIG
	File "/oname=agent.cfg" "${DESK_CONFIG}"
	CreateShortcut "$SMPROGRAMS\kyoyu.lnk" "$INSTDIR\kyoyu.exe" \
		'-r sharer -c "$INSTDIR\agent.cfg"' "$INSTDIR\kyoyu.exe" 0
!else
	CreateShortcut "$SMPROGRAMS\kyoyu.lnk" "$INSTDIR\kyoyu.exe" "-r sharer" \
		"$INSTDIR\kyoyu.exe" 0
!endif
	WriteUninstaller "$INSTDIR\uninstall.exe"
	WriteRegStr HKCU "${UNINSTALL_KEY}" "DisplayName" "kyoyu"
	WriteRegStr HKCU "${UNINSTALL_KEY}" "DisplayVersion" "${VERSION}"
	WriteRegStr HKCU "${UNINSTALL_KEY}" "DisplayIcon" "$INSTDIR\kyoyu.exe"
	WriteRegStr HKCU "${UNINSTALL_KEY}" "InstallLocation" "$INSTDIR"
	WriteRegStr HKCU "${UNINSTALL_KEY}" "UninstallString" '"$INSTDIR\uninstall.exe"'
	WriteRegStr HKCU "${UNINSTALL_KEY}" "QuietUninstallString" '"$INSTDIR\uninstall.exe" /S'
	WriteRegDWORD HKCU "${UNINSTALL_KEY}" "NoModify" 1
	WriteRegDWORD HKCU "${UNINSTALL_KEY}" "NoRepair" 1
SectionEnd

Section "Uninstall"
	SetShellVarContext current
	!insertmacro DELETE_FILES
	Delete "$INSTDIR\agent.cfg"
	Delete "$INSTDIR\uninstall.exe"
	; Only when empty: never what someone else put there.
	RMDir "$INSTDIR"
	Delete "$SMPROGRAMS\kyoyu.lnk"
	DeleteRegKey HKCU "${UNINSTALL_KEY}"
	; The agent's own runtime folder (its control socket).
	RMDir /r "$LOCALAPPDATA\kyoyu"
SectionEnd
