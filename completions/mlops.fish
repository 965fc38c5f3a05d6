# fish completion for mlops, from `mlops __complete`.
function __mlops_complete
    set -l tokens (commandline -opc)
    set -l cur (commandline -ct)
    set -l out ($tokens[1] __complete $tokens[2..-1] "$cur" 2>/dev/null)
    switch "$out[1]"
        case '__files__*'
            __fish_complete_path $cur
        case '__dirs__*'
            __fish_complete_directories $cur
        case '*'
            printf '%s\n' $out
    end
end
complete -c mlops -f -a '(__mlops_complete)'
