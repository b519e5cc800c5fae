#include <sys/sem.h>
#include <unistd.h>
int main(int c,char**v){ int s=semget(IPC_PRIVATE,1,IPC_CREAT|0600); struct sembuf b={0,1,0}; semop(s,&b,1); sleep(atoi(v[1])); return 0; }
