; SPDX-License-Identifier: MIT
; MicroFlash's per-user installer and uninstaller (NSIS 3, amd64-unicode): no administrator rights,
; %LOCALAPPDATA%\Programs\MicroFlash, "Apps & features" entry, in-place upgrade. See README.md.
;
; installer/CMakeLists.txt runs makensis with these defines (all required):
;   VERSION       the version, x.y.z (project(VERSION) unless a test asks for another)
;   VERSION_QUAD  the same as four numbers, x.y.z.w (VIProductVersion wants four)
;   HOMEPAGE_URL  project(HOMEPAGE_URL)
;   SRC_DIR       the source tree (LICENSE, README.md, res/app.ico)
;   APP_EXE       MicroFlash.exe to install;  CLI_EXE  mflash.exe to install
;   OUTFILE       the setup program to write
;
; Command line (besides NSIS's own /S and /D=DIR):
;   setup:      /DESKTOP  also a desktop shortcut      /PATH  add the folder to the user's PATH
;   uninstall:  /REMOVESETTINGS  also remove %APPDATA%\MicroFlash (the settings)

Unicode true
Target amd64-unicode
SetCompressor /SOLID lzma
RequestExecutionLevel user
ManifestDPIAware true
ManifestSupportedOS all

!macro MF_REQUIRE NAME
  !ifndef ${NAME}
    !error "makensis needs -D${NAME}=... (installer/CMakeLists.txt passes it)"
  !endif
!macroend
!insertmacro MF_REQUIRE VERSION
!insertmacro MF_REQUIRE VERSION_QUAD
!insertmacro MF_REQUIRE HOMEPAGE_URL
!insertmacro MF_REQUIRE SRC_DIR
!insertmacro MF_REQUIRE APP_EXE
!insertmacro MF_REQUIRE CLI_EXE
!insertmacro MF_REQUIRE OUTFILE

!define PRODUCT "MicroFlash"
!define PUBLISHER "MicroFlash project"
!define COPYRIGHT "Copyright © MicroFlash contributors. MIT License."
!define UNINST_KEY "Software\Microsoft\Windows\CurrentVersion\Uninstall\${PRODUCT}"
!define ENV_KEY "Environment"
; The value under UNINST_KEY holding the PATH entry this installer added (absent: none added).
!define PATH_ENTRY_VALUE "MicroFlashPathEntry"
; NSIS strings hold 1024 characters: a longer PATH would come back cut, so it is left alone.
!define PATH_MAX_LEN 1023
!define SETTINGS_DIR "$APPDATA\${PRODUCT}"

!include MUI2.nsh
!include LogicLib.nsh
!include FileFunc.nsh
!include Sections.nsh
!include WinMessages.nsh

Name "${PRODUCT}"
OutFile "${OUTFILE}"
InstallDir "$LOCALAPPDATA\Programs\${PRODUCT}"
; An earlier install's folder wins over the default (upgrade in place); /D= wins over both.
InstallDirRegKey HKCU "${UNINST_KEY}" "InstallLocation"
BrandingText "${PRODUCT} ${VERSION}"
ShowInstDetails show
ShowUninstDetails show

; ---- Pages ----

!define MUI_ICON "${SRC_DIR}/res/app.ico"
!define MUI_UNICON "${SRC_DIR}/res/app.ico"
!define MUI_ABORTWARNING
!define MUI_WELCOMEPAGE_TEXT "Setup will install ${PRODUCT} ${VERSION} for you alone: no \
administrator rights are needed.$\r$\n$\r$\nClick Next to continue."
!define MUI_FINISHPAGE_RUN "$INSTDIR\MicroFlash.exe"
!define MUI_FINISHPAGE_RUN_TEXT "Run ${PRODUCT}"

!insertmacro MUI_PAGE_WELCOME
!insertmacro MUI_PAGE_LICENSE "${SRC_DIR}/LICENSE"
!insertmacro MUI_PAGE_COMPONENTS
!insertmacro MUI_PAGE_DIRECTORY
!insertmacro MUI_PAGE_INSTFILES
!insertmacro MUI_PAGE_FINISH

!insertmacro MUI_UNPAGE_CONFIRM
!insertmacro MUI_UNPAGE_COMPONENTS
!insertmacro MUI_UNPAGE_INSTFILES

!insertmacro MUI_LANGUAGE "English"

; ---- Version information of the setup program ----

VIProductVersion "${VERSION_QUAD}"
VIFileVersion "${VERSION_QUAD}"
VIAddVersionKey /LANG=${LANG_ENGLISH} "ProductName" "${PRODUCT}"
VIAddVersionKey /LANG=${LANG_ENGLISH} "CompanyName" "${PUBLISHER}"
VIAddVersionKey /LANG=${LANG_ENGLISH} "FileDescription" "${PRODUCT} Setup"
VIAddVersionKey /LANG=${LANG_ENGLISH} "FileVersion" "${VERSION}"
VIAddVersionKey /LANG=${LANG_ENGLISH} "ProductVersion" "${VERSION}"
VIAddVersionKey /LANG=${LANG_ENGLISH} "LegalCopyright" "${COPYRIGHT}"

; ---- The user's PATH (HKCU\Environment), shared by setup and uninstaller ----
;
; An entry is a whole item between semicolons, compared without regard to case. The installer
; appends its folder once and records it in PATH_ENTRY_VALUE; removal takes out exactly that one
; item and its separator, nothing else (other items, empty ones included, stay as they were).

!macro MF_PATH_FUNCTIONS UN
; Finds ";entry;" in ";path;". Push path, push entry; pops the index in that wrapped string, or -1.
Function ${UN}MfPathFind
  Exch $1 ; entry
  Exch
  Exch $0 ; path; the stack holds the caller's $1, then $0
  Push $2
  Push $3
  Push $4
  Push $5
  StrCpy $0 ";$0;"
  StrCpy $1 ";$1;"
  StrLen $2 $0
  StrLen $3 $1
  IntOp $2 $2 - $3 ; last start
  StrCpy $4 0
  ${Do}
    ${If} $4 > $2
      StrCpy $4 -1
      ${Break}
    ${EndIf}
    StrCpy $5 $0 $3 $4
    ${If} $5 == $1 ; case-insensitive
      ${Break}
    ${EndIf}
    IntOp $4 $4 + 1
  ${Loop}
  StrCpy $0 $4
  Pop $5
  Pop $4
  Pop $3
  Pop $2
  Exch ; the saved $0 under the saved $1
  Pop $1
  Exch $0 ; the saved $0 back, the index on the stack
FunctionEnd

; Takes out the entry this installer added (if any) and forgets it.
Function ${UN}MfPathRemove
  Push $0
  Push $1
  Push $2
  Push $3
  Push $4
  ReadRegStr $0 HKCU "${UNINST_KEY}" "${PATH_ENTRY_VALUE}"
  ${If} $0 != ""
    ReadRegStr $1 HKCU "${ENV_KEY}" "Path"
    StrLen $2 $1
    ${If} $2 >= ${PATH_MAX_LEN}
      DetailPrint "Your PATH is too long to change safely: remove $0 from it yourself."
    ${Else}
      Push $1
      Push $0
      Call ${UN}MfPathFind
      Pop $2
      ${If} $2 >= 0
        ; ";path;" without ";entry" (the ";" after it stays), then without the outer semicolons.
        StrCpy $1 ";$1;"
        StrCpy $3 $1 $2
        StrLen $4 $0
        IntOp $4 $4 + $2
        IntOp $4 $4 + 1
        StrCpy $4 $1 "" $4
        StrCpy $1 "$3$4" "" 1
        StrCpy $1 $1 -1
        ${If} $1 == ""
          DeleteRegValue HKCU "${ENV_KEY}" "Path"
        ${Else}
          WriteRegExpandStr HKCU "${ENV_KEY}" "Path" $1
        ${EndIf}
        DetailPrint "Removed $0 from your PATH."
        SendMessage ${HWND_BROADCAST} ${WM_SETTINGCHANGE} 0 "STR:Environment" /TIMEOUT=5000
      ${EndIf}
    ${EndIf}
    DeleteRegValue HKCU "${UNINST_KEY}" "${PATH_ENTRY_VALUE}"
  ${EndIf}
  Pop $4
  Pop $3
  Pop $2
  Pop $1
  Pop $0
FunctionEnd
!macroend
!insertmacro MF_PATH_FUNCTIONS ""
!insertmacro MF_PATH_FUNCTIONS "un."

; Appends $INSTDIR to the user's PATH unless it is there already (then: not ours, not recorded).
Function MfPathAdd
  Push $0
  Push $1
  ReadRegStr $0 HKCU "${ENV_KEY}" "Path"
  Push $0
  Push $INSTDIR
  Call MfPathFind
  Pop $1
  ${If} $1 >= 0
    DetailPrint "$INSTDIR is in your PATH already."
  ${Else}
    ${If} $0 == ""
      StrCpy $0 "$INSTDIR"
    ${ElseIf} $0 == ";"
      StrCpy $0 "$INSTDIR"
    ${Else}
      StrCpy $1 $0 "" -1
      ${If} $1 == ";"
        StrCpy $0 "$0$INSTDIR"
      ${Else}
        StrCpy $0 "$0;$INSTDIR"
      ${EndIf}
    ${EndIf}
    StrLen $1 $0
    ${If} $1 >= ${PATH_MAX_LEN}
      DetailPrint "Your PATH is too long to change safely: add $INSTDIR to it yourself."
      StrCpy $1 "Your PATH is too long for Setup to change it safely.$\r$\n$\r$\n"
      StrCpy $1 "$1To run mflash from any folder, add $INSTDIR to your PATH yourself."
      MessageBox MB_ICONEXCLAMATION|MB_OK $1 /SD IDOK
    ${Else}
      WriteRegExpandStr HKCU "${ENV_KEY}" "Path" $0
      WriteRegStr HKCU "${UNINST_KEY}" "${PATH_ENTRY_VALUE}" "$INSTDIR"
      DetailPrint "Added $INSTDIR to your PATH."
      SendMessage ${HWND_BROADCAST} ${WM_SETTINGCHANGE} 0 "STR:Environment" /TIMEOUT=5000
    ${EndIf}
  ${EndIf}
  Pop $1
  Pop $0
FunctionEnd

; ---- Setup ----

Section "${PRODUCT} (required)" SEC_MAIN
  SectionIn RO
  SetOutPath "$INSTDIR"
  File "/oname=MicroFlash.exe" "${APP_EXE}"
  File "/oname=mflash.exe" "${CLI_EXE}"
  File "/oname=LICENSE.txt" "${SRC_DIR}/LICENSE"
  File "/oname=README.txt" "${SRC_DIR}/README.md"
  WriteUninstaller "$INSTDIR\Uninstall.exe"
  CreateShortcut "$SMPROGRAMS\${PRODUCT}.lnk" "$INSTDIR\MicroFlash.exe" "" \
    "$INSTDIR\MicroFlash.exe" 0 SW_SHOWNORMAL "" "Flash MicroPython onto an ESP8266 board"
SectionEnd

Section /o "Desktop shortcut" SEC_DESKTOP
  CreateShortcut "$DESKTOP\${PRODUCT}.lnk" "$INSTDIR\MicroFlash.exe" "" \
    "$INSTDIR\MicroFlash.exe" 0 SW_SHOWNORMAL "" "Flash MicroPython onto an ESP8266 board"
SectionEnd

Section /o "Add mflash to my PATH" SEC_PATH
  Call MfPathAdd
SectionEnd

; Last: what an upgrade no longer wants goes, then the "Apps & features" entry (with the size of
; everything above).
Section "-Register"
  ${IfNot} ${SectionIsSelected} ${SEC_DESKTOP}
    Delete "$DESKTOP\${PRODUCT}.lnk"
  ${EndIf}
  ${IfNot} ${SectionIsSelected} ${SEC_PATH}
    Call MfPathRemove
  ${EndIf}
  WriteRegStr HKCU "${UNINST_KEY}" "DisplayName" "${PRODUCT}"
  WriteRegStr HKCU "${UNINST_KEY}" "DisplayVersion" "${VERSION}"
  WriteRegStr HKCU "${UNINST_KEY}" "Publisher" "${PUBLISHER}"
  WriteRegStr HKCU "${UNINST_KEY}" "DisplayIcon" "$INSTDIR\MicroFlash.exe,0"
  WriteRegStr HKCU "${UNINST_KEY}" "InstallLocation" "$INSTDIR"
  WriteRegStr HKCU "${UNINST_KEY}" "UninstallString" '"$INSTDIR\Uninstall.exe"'
  WriteRegStr HKCU "${UNINST_KEY}" "QuietUninstallString" '"$INSTDIR\Uninstall.exe" /S'
  WriteRegStr HKCU "${UNINST_KEY}" "URLInfoAbout" "${HOMEPAGE_URL}"
  WriteRegDWORD HKCU "${UNINST_KEY}" "NoModify" 1
  WriteRegDWORD HKCU "${UNINST_KEY}" "NoRepair" 1
  ${GetSize} "$INSTDIR" "/S=0K /G=0" $0 $1 $2
  IntFmt $0 "0x%08X" $0
  WriteRegDWORD HKCU "${UNINST_KEY}" "EstimatedSize" $0
SectionEnd

!insertmacro MUI_FUNCTION_DESCRIPTION_BEGIN
  !insertmacro MUI_DESCRIPTION_TEXT ${SEC_MAIN} \
    "MicroFlash (the window), mflash (the command line), a Start menu shortcut, the uninstaller."
  !insertmacro MUI_DESCRIPTION_TEXT ${SEC_DESKTOP} "A MicroFlash shortcut on your desktop."
  !insertmacro MUI_DESCRIPTION_TEXT ${SEC_PATH} \
    "Lets you type mflash in any command prompt (adds the folder to your own PATH)."
!insertmacro MUI_FUNCTION_DESCRIPTION_END

; /DESKTOP and /PATH select their parts; an earlier install's choices are kept on upgrade.
Function .onInit
  ${GetParameters} $0
  ClearErrors
  ${GetOptions} $0 "/DESKTOP" $1
  ${IfNot} ${Errors}
  ${OrIf} ${FileExists} "$DESKTOP\${PRODUCT}.lnk"
    !insertmacro SelectSection ${SEC_DESKTOP}
  ${EndIf}
  ClearErrors
  ${GetOptions} $0 "/PATH" $1
  ${IfNot} ${Errors}
    !insertmacro SelectSection ${SEC_PATH}
  ${Else}
    ReadRegStr $1 HKCU "${UNINST_KEY}" "${PATH_ENTRY_VALUE}"
    ${If} $1 != ""
      !insertmacro SelectSection ${SEC_PATH}
    ${EndIf}
  ${EndIf}
FunctionEnd

; ---- Uninstaller ----

Section "un.${PRODUCT}" UNSEC_MAIN
  SectionIn RO
  Delete "$INSTDIR\MicroFlash.exe"
  Delete "$INSTDIR\mflash.exe"
  Delete "$INSTDIR\LICENSE.txt"
  Delete "$INSTDIR\README.txt"
  Delete "$INSTDIR\Uninstall.exe"
  RMDir "$INSTDIR"
  Delete "$SMPROGRAMS\${PRODUCT}.lnk"
  Delete "$DESKTOP\${PRODUCT}.lnk"
  Call un.MfPathRemove
  DeleteRegKey HKCU "${UNINST_KEY}"
SectionEnd

Section /o "un.Also remove my settings" UNSEC_SETTINGS
  Delete "${SETTINGS_DIR}\MicroFlash.ini"
  RMDir "${SETTINGS_DIR}"
SectionEnd

!insertmacro MUI_UNFUNCTION_DESCRIPTION_BEGIN
  !insertmacro MUI_DESCRIPTION_TEXT ${UNSEC_MAIN} \
    "The programs, their shortcuts and their PATH entry."
  !insertmacro MUI_DESCRIPTION_TEXT ${UNSEC_SETTINGS} \
    "Your settings (last port, file and options). Kept for a later install unless ticked."
!insertmacro MUI_UNFUNCTION_DESCRIPTION_END

; /REMOVESETTINGS ticks "Also remove my settings".
Function un.onInit
  ${GetParameters} $0
  ClearErrors
  ${GetOptions} $0 "/REMOVESETTINGS" $1
  ${IfNot} ${Errors}
    !insertmacro SelectSection ${UNSEC_SETTINGS}
  ${EndIf}
FunctionEnd
