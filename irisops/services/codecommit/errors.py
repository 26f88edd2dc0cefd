"""The errors CodeCommit answers with (all HTTP 400).

Messages quoted from real responses where AWS-REFERENCE.md has them (repository names);
the rest are the error shapes' own documentation in botocore's model, which is what the
console shows for them (*unconfirmed* as exact wire text).
"""

from __future__ import annotations

from irisops.core.errors import AwsError

INVALID_NAME = (
    "The repository name is not valid. Repository names can be any valid combination of "
    "letters, numbers, periods, underscores, and dashes between 1 and 100 characters in "
    "length. Names are case sensitive. For more information, see Limits in the AWS "
    "CodeCommit User Guide. "
)

MESSAGES: dict[str, str] = {
    "RepositoryNameRequiredException": "A repository name is required, but was not specified.",
    "InvalidRepositoryDescriptionException": "The specified repository description is not valid.",
    "InvalidSortByException": "The specified sort by value is not valid.",
    "InvalidOrderException": "The specified sort order is not valid.",
    "InvalidContinuationTokenException": "The specified continuation token is not valid.",
    "BranchNameRequiredException": "A branch name is required, but was not specified.",
    "InvalidBranchNameException": "The specified reference name is not valid.",
    "BranchDoesNotExistException": "The specified branch does not exist.",
    "BranchNameExistsException": "Cannot create the branch with the specified name because "
    "the commit conflicts with an existing branch with the same name. Branch names must be "
    "unique.",
    "CommitIdRequiredException": "A commit ID was not specified.",
    "CommitDoesNotExistException": "The specified commit does not exist or no commit was "
    "specified, and the specified repository has no default branch.",
    "InvalidCommitIdException": "The specified commit ID is not valid.",
    "DefaultBranchCannotBeDeletedException": "The specified branch is the default branch for "
    "the repository, and cannot be deleted. To delete this branch, you must first set another "
    "branch as the default branch.",
    "CommitIdDoesNotExistException": "The specified commit ID does not exist.",
    "InvalidCommitException": "The specified commit is not valid.",
    "CommitRequiredException": "A commit was not specified.",
    "PathRequiredException": "The folderPath for a location cannot be null.",
    "InvalidPathException": "The specified path is not valid.",
    "PathDoesNotExistException": "The specified path does not exist.",
    "FileDoesNotExistException": "The specified file does not exist. Verify that you have used "
    "the correct file name, full path, and extension.",
    "FolderDoesNotExistException": "The specified folder does not exist. Either the folder name "
    "is not correct, or you did not enter the full path to the folder.",
    "ParentCommitIdRequiredException": "A parent commit ID is required. To view the full commit "
    "ID of a branch in a repository, use GetBranch or a Git command (for example, git pull or "
    "git log).",
    "InvalidParentCommitIdException": "The parent commit ID is not valid. The commit ID cannot "
    "be empty, and must match the head commit ID for the branch of the repository where you "
    "want to add or update a file.",
    "ParentCommitDoesNotExistException": "The parent commit ID is not valid because it does not "
    "exist. The specified parent commit ID does not exist in the specified branch of the "
    "repository.",
    "ParentCommitIdOutdatedException": "The file could not be added because the provided parent "
    "commit ID is not the current tip of the specified branch. To view the full commit ID of "
    "the current head of the branch, use GetBranch.",
    "FileContentRequiredException": "The file cannot be added because it is empty. Empty files "
    "cannot be added to the repository with this API.",
    "BranchNameIsTagNameException": "The specified branch name is not valid because it is a tag "
    "name. Enter the name of a branch in the repository. For a list of valid branch names, use "
    "ListBranches.",
    "SameFileContentException": "The file was not added or updated because the content of the "
    "file is exactly the same as the content of that file in the repository and branch that "
    "you specified.",
    "FileNameConflictsWithDirectoryNameException": "A file cannot be added to the repository "
    "because the specified file name has the same name as a directory in this repository.",
    "DirectoryNameConflictsWithFileNameException": "A file cannot be added to the repository "
    "because the specified path name has the same name as a file that already exists in this "
    "repository.",
    "FileEntryRequiredException": "The commit cannot be created because no files have been "
    "specified as added, updated, or changed (PutFile or DeleteFile) for the commit.",
    "PutFileEntryConflictException": "The commit cannot be created because one or more files "
    "specified in the commit reference both a file and a folder.",
    "SourceFileOrContentRequiredException": "The commit cannot be created because no source "
    "files or file content have been specified for the commit.",
    "FileContentAndSourceFileSpecifiedException": "The commit cannot be created because both a "
    "source file and file content have been specified for the same file. You cannot provide "
    "both. Either specify a source file or provide the file content directly.",
    "SamePathRequestException": "The commit cannot be created because one or more changes in "
    "this commit duplicate actions in the same file path.",
    "NoChangeException": "The commit cannot be created because no changes will be made to the "
    "repository as a result of this commit. A commit must contain at least one change.",
    "InvalidFileModeException": "The specified file mode permission is not valid. For a list "
    "of valid file mode permissions, see PutFile.",
    "FileModeRequiredException": "The commit cannot be created because no file mode has been "
    "specified. A file mode is required to update mode permissions for a file.",
    "MaximumFileEntriesExceededException": "The number of specified files to change as part of "
    "this commit exceeds the maximum number of files that can be changed in a single commit. "
    "Consider using a Git client for these changes.",
    "FileContentSizeLimitExceededException": "The file cannot be added because it is too large. "
    "The maximum file size is 6 MB, and the combined file content change size is 7 MB. "
    "Consider making these changes using a Git client.",
    "FileTooLargeException": "The specified file exceeds the file size limit for CodeCommit.",
    "RestrictedSourceFileException": "The commit cannot be created because one of the changes "
    "specifies copying or moving a .gitkeep file.",
    "InvalidResourceArnException": "The value for the resource ARN is not valid.",
    "ResourceArnRequiredException": "A valid Amazon Resource Name (ARN) for an CodeCommit "
    "resource is required.",
    "TagsMapRequiredException": "A map of tags is required.",
    "InvalidTagsMapException": "The map of tags is not valid.",
    "TooManyTagsException": "The maximum number of tags for an CodeCommit resource has been "
    "exceeded.",
    "InvalidSystemTagUsageException": "The specified tag is not valid. Key names cannot be "
    "prefixed with aws:.",
    "TagKeysListRequiredException": "A list of tag keys is required. The list cannot be empty "
    "or null.",
    "InvalidTagKeysListException": "The list of tags is not valid.",
    "BlobIdRequiredException": "A blob ID is required, but was not specified.",
    "InvalidBlobIdException": "The specified blob is not valid.",
    "BlobIdDoesNotExistException": "The specified blob does not exist.",
    "InvalidMaxResultsException": "The specified number of maximum results is not valid.",
    "RepositoryNamesRequiredException": "At least one repository name object is required, but "
    "was not specified.",
    "MaximumRepositoryNamesExceededException": "The maximum number of allowed repository names "
    "was exceeded. Currently, this number is 100.",
    "InvalidRepositoryNameException": INVALID_NAME,
}


class CodeCommitError(AwsError):
    """An error of one of the codes above, with its documented message by default."""

    def __init__(self, code: str, message: str | None = None) -> None:
        super().__init__(message or MESSAGES.get(code, code), code=code)


def repository_exists(name: str) -> CodeCommitError:
    return CodeCommitError(
        "RepositoryNameExistsException", f"Repository named {name} already exists"
    )


def repository_missing(name: str) -> CodeCommitError:
    return CodeCommitError("RepositoryDoesNotExistException", f"{name} does not exist")
