# usage: mkap NAME PORT1 PORT2 MPM  -> writes /tmp/ap-NAME/httpd.conf
mkap() {
  local n=$1 p1=$2 p2=$3 mpm=${4:-prefork} d=/tmp/ap-$1
  mkdir -p $d; chmod 755 $d
  cat > $d/httpd.conf <<C
ServerRoot /etc/apache2
ServerName localhost
LoadModule mpm_${mpm}_module /usr/lib/apache2/modules/mod_mpm_${mpm}.so
LoadModule authz_core_module /usr/lib/apache2/modules/mod_authz_core.so
LoadModule rewrite_module /usr/lib/apache2/modules/mod_rewrite.so
User www-data
Group www-data
Listen 127.0.0.1:$p1
$( [ -n "$p2" ] && echo "Listen 127.0.0.1:$p2" )
PidFile $d/pid
ErrorLog $d/error.log
DefaultRuntimeDir $d
Mutex sysvsem default
StartServers 2
$( [ $mpm = prefork ] && echo "MinSpareServers 1" )
$( [ $mpm = prefork ] && echo "MaxSpareServers 3" )
RewriteEngine on
RewriteMap lc prg:/bin/cat
DocumentRoot $d
C
}
