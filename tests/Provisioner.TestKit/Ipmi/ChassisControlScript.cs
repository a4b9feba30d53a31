namespace Provisioner.TestKit.Ipmi;

/// <summary>
/// The default chassis program for <see cref="IpmiSimulator"/> (ipmi_sim <c>chassis_control</c> mode).
/// ipmi_sim runs it as <c>prog 0x20 get power boot</c> (answering <c>power:1</c> lines) and
/// <c>prog 0x20 set power 1</c> / <c>set reset 1</c> / <c>set shutdown 1</c> / <c>set boot pxe</c> /
/// <c>set identify ...</c>. It keeps state in files next to itself (<c>power</c>, <c>boot</c>,
/// <c>identify</c>), appends every change to <c>events.log</c>, and runs optional hooks given as
/// environment variables or in <c>hooks.env</c> beside it: IPMI_SIM_ON_POWER_ON, IPMI_SIM_ON_POWER_OFF,
/// IPMI_SIM_ON_RESET, IPMI_SIM_ON_SHUTDOWN (default: the power-off hook), with IPMI_SIM_DIR set to this directory.
/// IPMI_SIM_POWER_PROBE, when set, is a command whose exit status is the real power state (0 = on): a machine that
/// powered itself off then reads as off, as on a real BMC. Hooks run fully detached
/// (setsid, every descriptor redirected) because ipmi_sim reads this program's output to EOF and
/// would hang on anything that keeps stdout open. A hook that sets IPMI_SIM_SOFT_OFF_DELAY=N makes a
/// soft shutdown take N seconds before the power file says off, like a real OS shutting down.
/// </summary>
public static class ChassisControlScript
{
    /// <summary>The script text (bash).</summary>
    public const string Text = """
        #!/bin/bash
        # ipmi_sim chassis_control program: state in files beside this script.
        dir="$(cd "$(dirname "$0")" && pwd)"
        [ -f "$dir/hooks.env" ] && . "$dir/hooks.env"
        shift                       # the MC address (0x20)
        op="$1"; shift
        [ -f "$dir/power" ] || echo 0 > "$dir/power"
        [ -f "$dir/boot" ] || echo none > "$dir/boot"
        export IPMI_SIM_DIR="$dir"
        # With a probe, the machine itself says whether it is on (it may have powered itself off).
        current_power() {
          if [ -n "$IPMI_SIM_POWER_PROBE" ]; then
            if /bin/sh -c "$IPMI_SIM_POWER_PROBE" </dev/null >/dev/null 2>&1; then echo 1; else echo 0; fi
          else
            cat "$dir/power"
          fi
        }
        run_hook() {
          [ -n "$1" ] || return 0
          setsid -f /bin/sh -c "$1" </dev/null >>"$dir/hooks.log" 2>&1
        }
        log() { echo "$(date +%s.%N) $*" >> "$dir/events.log"; }
        case "$op" in
          get)
            for name in "$@"; do
              case "$name" in
                power) p="$(current_power)"; echo "$p" > "$dir/power"; echo "power:$p" ;;
                boot) echo "boot:$(cat "$dir/boot")" ;;
                identify) echo "identify:$(cat "$dir/identify" 2>/dev/null || echo '0 0')" ;;
                *) echo "$name:0" ;;
              esac
            done ;;
          set)
            while [ $# -ge 2 ]; do
              name="$1"; value="$2"; shift 2
              case "$name" in
                power)
                  old="$(current_power)"
                  echo "$value" > "$dir/power"; log "power $value"
                  if [ "$value" = 1 ] && [ "$old" != 1 ]; then run_hook "$IPMI_SIM_ON_POWER_ON"; fi
                  if [ "$value" = 0 ] && [ "$old" != 0 ]; then run_hook "$IPMI_SIM_ON_POWER_OFF"; fi ;;
                reset)
                  log "reset"
                  if [ "$(current_power)" = 1 ]; then run_hook "$IPMI_SIM_ON_RESET"; fi ;;
                shutdown)
                  log "shutdown"
                  if [ "$(current_power)" = 1 ]; then
                    if [ -n "$IPMI_SIM_SOFT_OFF_DELAY" ]; then
                      setsid -f /bin/sh -c "sleep $IPMI_SIM_SOFT_OFF_DELAY; echo 0 > '$dir/power'" </dev/null >/dev/null 2>&1
                    else
                      echo 0 > "$dir/power"
                    fi
                    run_hook "${IPMI_SIM_ON_SHUTDOWN:-$IPMI_SIM_ON_POWER_OFF}"
                  fi ;;
                boot) echo "$value" > "$dir/boot"; log "boot $value" ;;
                identify) echo "$value" > "$dir/identify"; log "identify $value" ;;
                *) log "unknown $name $value" ;;
              esac
            done ;;
          check) exit 0 ;;
          *) echo "unknown operation $op" >&2; exit 1 ;;
        esac
        exit 0
        """;
}
