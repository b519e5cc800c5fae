// main thread operates on a set, then exits via SYS_exit leaving a worker thread that keeps using it.
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <pthread.h>
#include <sys/sem.h>
#include <sys/syscall.h>
static int sid;
static void *worker(void *a){ sleep(3); struct sembuf b={0,-1,0}; if(semop(sid,&b,1)<0){perror("worker semop FAILED");} else printf("worker semop ok\n"); fflush(stdout); sleep(1); exit(0);}
int main(int c,char**v){ sid=semget(atoi(v[1]),1,IPC_CREAT|0600); struct sembuf b={0,1,0}; semop(sid,&b,1);
 pthread_t t; pthread_create(&t,0,worker,0); printf("leader pid %d sid %d\n",getpid(),sid); fflush(stdout); syscall(SYS_exit,0); }
