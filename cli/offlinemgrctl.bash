# bash completion for offlinemgrctl(1)                                -*- shell-script -*-
#
# Self-contained (it does not need the bash-completion package's helpers). Account ids
# come from the daemon, through `offlinemgrctl list`, whose first tab-separated field is
# the id when the output is not a terminal.

_offlinemgrctl_ids()
{
    "$1" list 2>/dev/null | cut -f1
}

_offlinemgrctl()
{
    local ctl=${COMP_WORDS[0]}
    local commands='list status set monitor wait add update remove reload'
    local settings='DisplayName= Host= Port= RequireConnections= MinConnectivity=
                    AllowMetered= CheckReachability='
    local -a words=()
    local i w cword=0 cur cmd='' global='' nargs=0

    command -v -- "$ctl" >/dev/null 2>&1 || ctl=offlinemgrctl

    # Bash splits KEY=VALUE at '=' (COMP_WORDBREAKS); join the pieces back.
    for ((i = 0; i < ${#COMP_WORDS[@]}; i++)); do
        w=${COMP_WORDS[i]}
        if ((i > 1)) && [[ $w == = || ${words[-1]} == *= ]] && [[ ${words[-1]} != -* ]]; then
            words[-1]+=$w
        else
            words+=("$w")
        fi
        ((i == COMP_CWORD)) && cword=$((${#words[@]} - 1))
    done
    cur=${words[cword]}

    for ((i = 1; i < cword; i++)); do
        case ${words[i]} in
            --global) global=1 ;;
            --timeout) ((i++)) ;;  # its value is not an argument
            --) ;;
            -*) ;;
            *) if [[ -z $cmd ]]; then cmd=${words[i]}; else ((nargs++)); fi ;;
        esac
    done

    # --timeout's value: a number of seconds, nothing to offer.
    ((cword > 1)) && [[ ${words[cword - 1]} == --timeout ]] && return

    if [[ $cur == -* ]]; then
        local opts='--json --help --version'
        [[ $cmd == set ]] && opts+=' --no-block --global'
        [[ $cmd == wait ]] && opts+=' --global --online --offline --timeout'
        COMPREPLY=($(compgen -W "$opts" -- "$cur"))
        return
    fi

    if [[ $cur == *=* && ( $cmd == add || $cmd == update ) ]]; then
        local key=${cur%%=*} value=${cur#*=} values=''
        case ${key,,} in
            minconnectivity) values='full limited portal' ;;
            allowmetered|checkreachability) values='true false' ;;
        esac
        COMPREPLY=($(compgen -W "$values" -- "$value"))
        # Without '=' in COMP_WORDBREAKS the whole word is replaced.
        if [[ $COMP_WORDBREAKS != *=* ]]; then
            COMPREPLY=("${COMPREPLY[@]/#/$key=}")
        fi
        return
    fi

    case $cmd in
        '')
            COMPREPLY=($(compgen -W "$commands" -- "$cur"))
            ;;
        status|remove|wait)
            ((nargs == 0)) && [[ -z $global ]] &&
                COMPREPLY=($(compgen -W "$(_offlinemgrctl_ids "$ctl")" -- "$cur"))
            ;;
        monitor)
            COMPREPLY=($(compgen -W "$(_offlinemgrctl_ids "$ctl")" -- "$cur"))
            ;;
        set)
            if [[ -n $global ]]; then
                ((nargs == 0)) && COMPREPLY=($(compgen -W 'online offline' -- "$cur"))
            elif ((nargs == 0)); then
                COMPREPLY=($(compgen -W "$(_offlinemgrctl_ids "$ctl")" -- "$cur"))
            elif ((nargs == 1)); then
                COMPREPLY=($(compgen -W 'online offline' -- "$cur"))
            fi
            ;;
        update)
            if ((nargs == 0)); then
                COMPREPLY=($(compgen -W "$(_offlinemgrctl_ids "$ctl")" -- "$cur"))
            else
                COMPREPLY=($(compgen -W "$settings" -- "$cur"))
                compopt -o nospace 2>/dev/null
            fi
            ;;
        add)
            if ((nargs > 0)); then
                COMPREPLY=($(compgen -W "$settings" -- "$cur"))
                compopt -o nospace 2>/dev/null
            fi
            ;;
    esac
}

complete -F _offlinemgrctl offlinemgrctl
